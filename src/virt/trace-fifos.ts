// The host ends of a guest's trace ports, checked before the server opens them. While a domain
// runs, libvirt chowns its FIFOs to the QEMU user (and gives them back at shutdown), so a FIFO's
// owner proves nothing; what keeps root's opens safe is the folder: only root may create, rename
// or replace entries in it. So the folder must be root's (ours) and closed to group and others'
// writes, and each entry a FIFO itself, never a symlink.

import { lstatSync, type Stats } from "node:fs";
import { effectiveUid } from "../../ffi/process.ts";
import { ProtocolError } from "../errors.ts";
import { traceFifoBase } from "./paths.ts";

/** lstat(), or undefined when there is nothing (or nothing readable) at path. */
export function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** The trace-path-cpuN.out paths of a domain, each checked; throws one line saying what to fix. */
export function checkedTraceFifos(virtDir: string, domain: string, cpus: number): string[] {
  const folder = `${virtDir}/${domain}`;
  const fix = `run 'vtrace setup-guest ${domain} --cpus ${cpus} --virt-dir ${virtDir}'`;
  const dir = lstatOrUndefined(folder);
  if (!dir) throw new ProtocolError(`${domain}: missing folder ${folder}: ${fix}`);
  if (!dir.isDirectory()) throw new ProtocolError(`${domain}: refusing ${folder}: not a folder (a symlink?)`);
  if (dir.uid !== effectiveUid() || (dir.mode & 0o022) !== 0) {
    throw new ProtocolError(`${domain}: refusing ${folder}: others could replace its FIFOs (owner uid ${dir.uid}, mode ${(dir.mode & 0o777).toString(8)}): ${fix}`);
  }
  return Array.from({ length: cpus }, (_, cpu) => {
    const path = `${traceFifoBase(virtDir, domain, cpu)}.out`;
    const st = lstatOrUndefined(path);
    if (!st) throw new ProtocolError(`${domain}: missing FIFO ${path}: ${fix}`);
    if (!st.isFIFO()) throw new ProtocolError(`${domain}: refusing ${path}: not a FIFO`);
    return path;
  });
}
