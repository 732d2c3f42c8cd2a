// Finding (or mounting) tracefs: /sys/kernel/tracing first, then the debugfs path.

import { existsSync } from "node:fs";
import { mountFs } from "../../ffi/mount.ts";
import { effectiveUid } from "../../ffi/process.ts";
import { EnvironmentError } from "../errors.ts";

const CANDIDATES = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];

function isTracefs(dir: string): boolean {
  return existsSync(`${dir}/trace_clock`);
}

/** The tracefs root; mounts it at /sys/kernel/tracing when root and nothing is mounted. */
export function findTracefs(): string {
  if (effectiveUid() !== 0) {
    throw new EnvironmentError("must run as root to trace (ftrace needs CAP_SYS_ADMIN)", {}, "run it with sudo");
  }
  for (const dir of CANDIDATES) if (isTracefs(dir)) return dir;
  const target = CANDIDATES[0]!;
  try {
    if (existsSync(target)) mountFs("nodev", target, "tracefs");
  } catch (e) {
    throw new EnvironmentError(`tracefs is not mounted and cannot be mounted at ${target}: ${(e as Error).message}`);
  }
  if (isTracefs(target)) return target;
  throw new EnvironmentError("tracefs not found: the kernel has no ftrace support (CONFIG_FTRACE)");
}
