// Which domain a control connection belongs to: the peer is QEMU (SO_PEERCRED gives its pid);
// libvirt's pid files name it, else QEMU's own -name, else the name the guest sent.

import { readdirSync, readFileSync } from "node:fs";
import { checkDomainName, LIBVIRT_PID_DIR } from "./paths.ts";

export type DomainSource = "libvirt" | "qemu -name" | "guest";

export interface ResolvedDomain {
  domain: string;
  source: DomainSource;
}

/** The value of QEMU's -name option: "guest=NAME,debug-threads=on" or "NAME[,...]". */
export function qemuNameFromArgv(argv: readonly string[]): string | undefined {
  const i = argv.indexOf("-name");
  const value = i >= 0 ? argv[i + 1] : undefined;
  if (!value) return undefined;
  for (const part of value.split(/(?<!,),(?!,)/)) {
    if (part.startsWith("guest=")) return part.slice(6);
  }
  const first = value.split(",")[0];
  return first && !first.includes("=") ? first : undefined;
}

export function libvirtDomainOfPid(pid: number, pidDir = LIBVIRT_PID_DIR): string | undefined {
  let names: string[];
  try {
    names = readdirSync(pidDir).filter((n) => n.endsWith(".pid"));
  } catch {
    return undefined;
  }
  for (const n of names) {
    try {
      if (Number.parseInt(readFileSync(`${pidDir}/${n}`, "utf8").trim(), 10) === pid) return n.slice(0, -4);
    } catch {
      // unreadable pid file
    }
  }
  return undefined;
}

function processArgv(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

/** The first source that names a valid domain; undefined when none does. */
export function resolveDomain(pid: number, guestName: string | undefined, pidDir = LIBVIRT_PID_DIR): ResolvedDomain | undefined {
  const candidates: [string | undefined, DomainSource][] = [
    [libvirtDomainOfPid(pid, pidDir), "libvirt"],
    [qemuNameFromArgv(processArgv(pid)), "qemu -name"],
    [guestName, "guest"],
  ];
  for (const [name, source] of candidates) {
    if (name === undefined) continue;
    try {
      return { domain: checkDomainName(name), source };
    } catch {
      // an unusable name: try the next source
    }
  }
  return undefined;
}
