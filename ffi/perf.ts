// perf_event_open(2) for one purpose: the TSC → ns conversion the kernel publishes in a perf
// event's mmap page (struct perf_event_mmap_page: cap_user_time, time_shift, time_mult, time_zero),
// as trace-cmd 3.1.6 get_tsc_nsec() reads it (tracecmd/trace-record.c, lib/trace-cmd/trace-perf.c).
// Layout and attr bits: include/uapi/linux/perf_event.h. The three calls below are not in
// ffi/libc.ts, so they are bound here.

import { dlopen, FFIType as T, read, type Pointer } from "bun:ffi";
import { SysError } from "../src/errors.ts";
import { sysError } from "./errno.ts";
import { libc } from "./libc.ts";

const { symbols: sys } = dlopen("libc.so.6", {
  syscall: { args: [T.i64, T.ptr, T.i32, T.i32, T.i32, T.u64], returns: T.i64_fast },
  mmap: { args: [T.ptr, T.u64, T.i32, T.i32, T.i32, T.i64], returns: T.i64_fast },
  munmap: { args: [T.ptr, T.u64], returns: T.i32 },
});

/** __NR_perf_event_open by architecture. */
const NR_PERF_EVENT_OPEN: Partial<Record<string, number>> = { x64: 298, arm64: 241 };

const ENOSYS = 38;
const PERF_TYPE_SOFTWARE = 1;
const PERF_COUNT_SW_CPU_CLOCK = 0;
const PERF_SAMPLE_CPU = 0x80;
const PERF_ATTR_SIZE = 128;
// perf_event_attr flag bits (the u64 at offset 40)
const ATTR_DISABLED = 1n << 0n;
const ATTR_EXCLUDE_KERNEL = 1n << 5n;
const ATTR_MMAP = 1n << 8n;
const ATTR_FREQ = 1n << 10n;
const ATTR_SAMPLE_ID_ALL = 1n << 18n;

const PROT_READ = 1;
const MAP_SHARED = 1;

// struct perf_event_mmap_page offsets
const PG_LOCK = 8;
const PG_CAPABILITIES = 40;
const PG_TIME_SHIFT = 50;
const PG_TIME_MULT = 52;
const PG_TIME_ZERO = 64;
const CAP_USER_TIME = 1n << 3n;
const CAP_USER_TIME_ZERO = 1n << 4n;

export interface PerfTimeParams {
  capUserTime: boolean;
  capUserTimeZero: boolean;
  /** ns = (cycles × timeMult) >> timeShift (+ timeZero for sched_clock). */
  timeMult: number;
  timeShift: number;
  timeZero: bigint;
}

/** perf_event_attr for a disabled software event with a sampling buffer (trace-cmd's settings). */
function eventAttr(): Uint8Array {
  const attr = new Uint8Array(PERF_ATTR_SIZE);
  const dv = new DataView(attr.buffer);
  const le = true; // x86-64 and arm64 Linux
  dv.setUint32(0, PERF_TYPE_SOFTWARE, le);
  dv.setUint32(4, PERF_ATTR_SIZE, le);
  dv.setBigUint64(8, BigInt(PERF_COUNT_SW_CPU_CLOCK), le);
  dv.setBigUint64(16, 1000n, le); // sample_freq
  dv.setBigUint64(24, BigInt(PERF_SAMPLE_CPU), le);
  dv.setBigUint64(40, ATTR_DISABLED | ATTR_EXCLUDE_KERNEL | ATTR_MMAP | ATTR_FREQ | ATTR_SAMPLE_ID_ALL, le);
  return attr;
}

/**
 * Opens a perf event for this process on `cpu`, maps its control page, and reads the time
 * conversion under the page's seqlock. Throws SysError when perf_event_open or mmap fail.
 */
export function perfTimeParams(cpu: number, pageSize = 4096): PerfTimeParams {
  const nr = NR_PERF_EVENT_OPEN[process.arch];
  if (nr === undefined) throw new SysError("perf_event_open", ENOSYS, "ENOSYS", undefined, { arch: process.arch });
  const fd = Number(sys.syscall(nr, eventAttr(), 0, cpu, -1, 0));
  if (fd < 0) throw sysError("perf_event_open", undefined, { cpu });
  try {
    const length = 2 * pageSize; // control page + one data page
    const at = Number(sys.mmap(null, length, PROT_READ, MAP_SHARED, fd, 0));
    if (at === -1 || at === 0) throw sysError("mmap", undefined, { cpu, what: "perf control page" });
    try {
      return readControlPage(at as Pointer);
    } finally {
      sys.munmap(at as Pointer, length);
    }
  } finally {
    libc.close(fd);
  }
}

function readControlPage(p: Pointer): PerfTimeParams {
  for (;;) {
    const seq = read.u32(p, PG_LOCK);
    const caps = read.u64(p, PG_CAPABILITIES);
    const out = {
      capUserTime: (caps & CAP_USER_TIME) !== 0n,
      capUserTimeZero: (caps & CAP_USER_TIME_ZERO) !== 0n,
      timeShift: read.u16(p, PG_TIME_SHIFT),
      timeMult: read.u32(p, PG_TIME_MULT),
      timeZero: read.u64(p, PG_TIME_ZERO),
    };
    if (read.u32(p, PG_LOCK) === seq) return out;
  }
}
