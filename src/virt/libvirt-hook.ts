// vtrace's libvirt qemu hook: a script in libvirt's hooks folder that, before a domain starts, has
// vtrace make the folders, FIFOs and socket node the domain's trace channels name. /tmp is emptied
// when the host boots, and libvirt refuses to start a domain whose channel paths are missing, so
// without it every such domain needs `setup-guest` again after a reboot (autostarted ones included).
// Pure: the script's text and what a domain XML says of its trace channels.
// Source of truth: libvirt docs/hooks.rst: arguments "DOMAIN OPERATION SUB-OPERATION EXTRA", the
// domain XML on stdin, "prepare begin" before any resource is set up, the qemu.d/ folder of
// scripts (libvirt 6.5.0+), looked for when the daemon starts.

import { domainChannels } from "./libvirt-xml.ts";
import { isPlainVirtDir } from "./paths.ts";

/** Where the script goes, below libvirt's hooks folder. */
export const HOOK_SCRIPT = "qemu.d/vtrace";
export const DEFAULT_HOOKS_DIR = "/etc/libvirt/hooks";

/**
 * The hook script: it starts vtrace only for "prepare begin" (libvirt calls every hook at each step
 * of every domain's life), and does nothing once vtrace is gone, so the domains still start.
 */
export function hookScript(self: readonly string[], hookArgs: readonly string[]): string {
  const command = [...self, "libvirt-hook", ...hookArgs].map(shellQuote).join(" ");
  return [
    "#!/bin/sh",
    "# Installed by 'vtrace setup-guest --libvirt-hook'. Before a domain starts, vtrace makes the",
    "# folders and FIFOs its trace <channel> elements name (a host reboot empties /tmp).",
    "# Delete this file to stop it.",
    '[ "$2" = prepare ] && [ "$3" = begin ] || exit 0',
    `[ -x ${shellQuote(self[0]!)} ] || exit 0`,
    `exec ${command} "$@"`,
    "",
  ].join("\n");
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:,+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** What setup-guest needs to know of a domain, read from its trace channels. */
export interface TraceChannels {
  virtDir: string;
  cpus: number;
}

/** A domain's trace channels: none, setup-guest's layout, or some other (which the hook leaves alone). */
export type TraceLayout = { kind: "none" } | ({ kind: "setup-guest" } & TraceChannels) | { kind: "other"; why: string };

const TRACE_PORT = /^trace-path-cpu(\d+)$/;

/**
 * The virt folder and vCPU count that the domain's `trace-path-cpuN` pipe channels name, when their
 * sources are VIRTDIR/DOMAIN/trace-path-cpuN as setup-guest prints them.
 */
export function traceLayoutOf(xml: string, domain: string): TraceLayout {
  const found = domainChannels(xml).flatMap((c) => {
    const port = TRACE_PORT.exec(c.target ?? "");
    return c.type === "pipe" && port && c.source !== undefined ? [{ cpu: Number(port[1]), path: c.source }] : [];
  });
  if (found.length === 0) return { kind: "none" };
  const virtDirs = new Set<string>();
  for (const { cpu, path } of found) {
    const suffix = `/${domain}/trace-path-cpu${cpu}`;
    if (!path.endsWith(suffix) || path.length === suffix.length) {
      return { kind: "other", why: `channel trace-path-cpu${cpu} is '${path}', not VIRTDIR${suffix} as setup-guest makes it` };
    }
    virtDirs.add(path.slice(0, -suffix.length));
  }
  if (virtDirs.size > 1) return { kind: "other", why: `its trace channels are in several virt folders (${[...virtDirs].join(", ")})` };
  const virtDir = [...virtDirs][0]!;
  if (!isPlainVirtDir(virtDir)) return { kind: "other", why: `its virt folder '${virtDir}' is not a plain absolute path below /` };
  return { kind: "setup-guest", virtDir, cpus: Math.max(...found.map((f) => f.cpu)) + 1 };
}
