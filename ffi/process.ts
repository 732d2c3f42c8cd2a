// Thread and process identity, and CPU pinning.

import { ptr } from "bun:ffi";
import { sysError } from "./errno.ts";
import { libc } from "./libc.ts";

/** Kernel thread id of the calling thread (main thread or Worker). */
export function threadId(): number {
  return libc.gettid();
}

export function processId(): number {
  return libc.getpid();
}

export function effectiveUid(): number {
  return libc.geteuid();
}

/** Pins the calling thread to one CPU. */
export function pinToCpu(cpu: number): void {
  const mask = new BigUint64Array(16); // cpu_set_t: 1024 bits
  mask[Math.floor(cpu / 64)] = 1n << BigInt(cpu % 64);
  if (libc.sched_setaffinity(0, mask.byteLength, ptr(mask)) < 0) throw sysError("sched_setaffinity", undefined, { cpu });
}
