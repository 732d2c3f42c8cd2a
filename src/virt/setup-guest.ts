// Creates the host side of a guest's trace transport: the virt folder, the per-domain folder
// and its FIFO pairs, with the ownership and mode asked for. Refuses symlinks and folders owned
// by another user, so a local user cannot redirect root's writes. Also installs libvirt's hook
// script, which runs the same set-up as each domain starts.

import { dirname } from "node:path";
import { chownSync, chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync, type Stats } from "node:fs";
import { makeFifo } from "../../ffi/fifo.ts";
import { effectiveUid } from "../../ffi/process.ts";
import { UsageError, VtraceError } from "../errors.ts";
import { checkDomainName, checkVirtDir, controlSocketPath, DEFAULT_VIRT_DIR, traceFifoBase } from "./paths.ts";
import { HOOK_SCRIPT } from "./libvirt-hook.ts";
import { ensureSocketNode } from "./socket-node.ts";
import { lstatOrUndefined } from "./trace-fifos.ts";

export interface SetupGuestOptions {
  virtDir: string;
  domain: string;
  cpus: number;
  /** Group that may use the folder (QEMU's); undefined keeps the caller's group. */
  group?: string;
  mode: number;
}

export interface SetupResult {
  folder: string;
  created: string[];
  existing: string[];
  /** Folders on the way that were there already and that the group cannot pass through. */
  closed: string[];
}

export function setupGuest(opts: SetupGuestOptions): SetupResult {
  const domain = checkDomainName(opts.domain);
  checkVirtDir(opts.virtDir);
  refuseForeignFolder(opts.virtDir, domain);
  const gid = opts.group === undefined ? undefined : groupId(opts.group);
  const result: SetupResult = { folder: `${opts.virtDir}/${domain}`, created: [], existing: [], closed: [] };
  ensureFolders(opts.virtDir, opts.mode, gid, result, ownFolders(opts.virtDir));
  const socket = controlSocketPath(opts.virtDir);
  result[ensureSocketNode(socket, gid)].push(socket);
  ensureDir(result.folder, opts.mode, gid, result, true);
  for (let cpu = 0; cpu < opts.cpus; cpu++) {
    for (const suffix of [".in", ".out"]) ensureFifo(`${traceFifoBase(opts.virtDir, domain, cpu)}${suffix}`, gid, result);
  }
  return result;
}

/**
 * The virt folder for virt-server, made (with the folders on its way) as setup-guest makes them when
 * missing; folders already there keep their mode and group (setup-guest's --mode and --group).
 */
export function ensureVirtDir(virtDir: string, group = defaultQemuGroup()): void {
  checkVirtDir(virtDir);
  const result: SetupResult = { folder: virtDir, created: [], existing: [], closed: [] };
  ensureFolders(virtDir, 0o710, group === undefined ? undefined : groupId(group), result, new Set());
}

/**
 * The virt folder gets setup-guest's mode and group: one that holds anything but vtrace's sockets
 * and domain folders of FIFO pairs (`--virt-dir /etc` by mistake) is refused rather than changed.
 * The domain being set up is left to ensureDir's own checks.
 */
function refuseForeignFolder(virtDir: string, domain: string): void {
  if (!lstatOrUndefined(virtDir)?.isDirectory()) return;
  const foreign = readdirSync(virtDir).find((name) => name !== domain && !isVtraceEntry(`${virtDir}/${name}`, name));
  if (foreign !== undefined) {
    throw new UsageError(`refusing to use '${virtDir}' as the virt folder: it holds '${foreign}', which is not vtrace's (give a new or empty folder)`);
  }
}

const VTRACE_SOCKET = /^(agent-ctl-path|vtrace-ctl)(\.\d+\.new)?$/;
const FIFO_NAME = /^trace-path-cpu\d+\.(in|out)$/;

/**
 * A control socket's name (or one being put in place; ensureSocketNode checks what it is), or a
 * domain folder of nothing but FIFO pairs.
 */
function isVtraceEntry(path: string, name: string): boolean {
  if (VTRACE_SOCKET.test(name)) return true;
  return lstatOrUndefined(path)?.isDirectory() === true && readdirSync(path).every((f) => FIFO_NAME.test(f));
}

/** vtrace's own folders on the way to the virt folder: itself, and /tmp/trace-cmd of the default layout. */
function ownFolders(virtDir: string): Set<string> {
  return new Set([virtDir, ...(virtDir === DEFAULT_VIRT_DIR ? [dirname(DEFAULT_VIRT_DIR)] : [])]);
}

/**
 * The folders down to the virt folder. Mode and group go on those made now and on the `own` ones
 * that were there; a folder of the user's on the way keeps its own.
 */
function ensureFolders(virtDir: string, mode: number, gid: number | undefined, result: SetupResult, own: ReadonlySet<string>): void {
  for (const dir of parentChain(virtDir)) ensureDir(dir, mode, gid, result, own.has(dir));
}

/** Every folder from the top down to the virt folder, less the system's own (/tmp, /var, /run, ...). */
function parentChain(virtDir: string): string[] {
  const parts = virtDir.split("/").filter(Boolean);
  const chain: string[] = [];
  for (let i = 1; i <= parts.length; i++) chain.push(`/${parts.slice(0, i).join("/")}`);
  return chain.filter((d) => !["/tmp", "/var", "/run", "/var/lib", "/var/run"].includes(d) && d !== "/");
}

/** Makes the folder, or checks the one there; `own`: set its mode and group even when it was there. */
function ensureDir(dir: string, mode: number, gid: number | undefined, result: SetupResult, own: boolean): void {
  const st = lstatOrUndefined(dir);
  if (st?.isSymbolicLink()) throw new VtraceError(`refusing to use '${dir}': it is a symlink`);
  if (st && !st.isDirectory()) throw new VtraceError(`refusing to use '${dir}': not a folder`);
  if (st && st.uid !== effectiveUid()) throw new VtraceError(`refusing to use '${dir}': owned by uid ${st.uid}, not by you`);
  if (!st) {
    mkdirSync(dir, { mode });
    result.created.push(dir);
  } else {
    result.existing.push(dir);
    if (!own) {
      if (gid !== undefined && !letsThrough(st, gid)) result.closed.push(dir);
      return;
    }
  }
  chmodSync(dir, mode);
  if (gid !== undefined) chownSync(dir, effectiveUid(), gid);
}

/** Whether members of group gid may pass through the folder (search permission). */
function letsThrough(st: Stats, gid: number): boolean {
  return (st.mode & 0o001) !== 0 || (st.gid === gid && (st.mode & 0o010) !== 0);
}

function ensureFifo(path: string, gid: number | undefined, result: SetupResult): void {
  const st = lstatOrUndefined(path);
  if (st?.isSymbolicLink()) throw new VtraceError(`refusing to use '${path}': it is a symlink`);
  if (st && !st.isFIFO()) throw new VtraceError(`refusing to use '${path}': exists and is not a FIFO`);
  if (!st) {
    makeFifo(path, 0o660);
    result.created.push(path);
  } else {
    result.existing.push(path);
  }
  chmodSync(path, 0o660);
  if (gid !== undefined) chownSync(path, effectiveUid(), gid);
}

export function groupId(name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  for (const line of readFileSync("/etc/group", "utf8").split("\n")) {
    const [g, , id] = line.split(":");
    if (g === name && id !== undefined) return Number(id);
  }
  throw new UsageError(`unknown group '${name}'`);
}

/** The group QEMU runs as, when one of the usual names exists. */
export function defaultQemuGroup(): string | undefined {
  for (const g of ["qemu", "kvm", "libvirt-qemu"]) {
    try {
      groupId(g);
      return g;
    } catch {
      // try the next
    }
  }
  return undefined;
}

/**
 * Writes libvirt's hook script (HOOK_SCRIPT below hooksDir) whole or not at all (beside it, then
 * renamed over it). "unchanged" when the same script is there already.
 */
export function installLibvirtHook(hooksDir: string, script: string): "installed" | "updated" | "unchanged" {
  const path = `${hooksDir}/${HOOK_SCRIPT}`;
  const folder = dirname(path);
  for (const dir of [hooksDir, folder]) {
    const st = lstatOrUndefined(dir);
    if (st?.isSymbolicLink()) throw new VtraceError(`refusing to use '${dir}': it is a symlink`);
    if (!st) mkdirSync(dir, { mode: 0o755 });
  }
  const st = lstatOrUndefined(path);
  if (st?.isSymbolicLink() || (st && !st.isFile())) throw new VtraceError(`refusing to replace '${path}': not a plain file`);
  if (st && readFileSync(path, "utf8") === script) return "unchanged";
  const next = `${path}.${process.pid}.new`;
  writeFileSync(next, script, { mode: 0o755 });
  renameSync(next, path);
  return st ? "updated" : "installed";
}
