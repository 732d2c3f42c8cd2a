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

const CLOCK_REALTIME = 0;
const timespec = new BigInt64Array(2);

/** Wall-clock time in ns (clock_gettime(CLOCK_REALTIME)): what trace-cmd record --date pairs with a trace timestamp. */
export function realtimeNs(): bigint {
  if (libc.clock_gettime(CLOCK_REALTIME, ptr(timespec)) < 0) throw sysError("clock_gettime");
  return timespec[0]! * 1_000_000_000n + timespec[1]!;
}
