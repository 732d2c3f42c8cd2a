// Record timestamps as trace-cmd report shows them: guest TIME_SHIFT sync, TSC2NSEC, then offsets;
// and whether the clock prints as seconds.microseconds or as a raw counter.
// Source of truth: trace-cmd 3.1.6 trace-input.c timestamp_calc(),
// timestamp_host_sync(), timestamp_correction_calc(), extract_trace_clock().

import type { TimeShift, Tsc2Nsec, TsyncSample } from "../tracedat/reader/options.ts";
import type { TraceDat } from "../tracedat/reader/trace-dat.ts";

const U64 = (1n << 64n) - 1n;
const TRACECMD_TSYNC_FLAG_INTERPOLATE = 1;
const USEC_CLOCKS = new Set(["local", "global", "uptime", "perf", "tsc2nsec", "tai"]);

export type ToTime = (tsRaw: bigint, cpu: number) => bigint;

export interface TimeSettings {
  rawTs: boolean;
  /** --ts-offset for this file (already dropped for the first file, as 3.1.6 does). */
  userOffsetNs: bigint;
  /** Instances do not inherit the guest TIME_SHIFT (trace-cmd clears handle->host). */
  isInstance: boolean;
  /** --ts2secs HZ: timestamps are ticks of HZ, converted in doubles instead of by TSC2NSEC. */
  ts2secsHz?: number;
  /** --nodate: the DATE options are ignored. */
  noDate?: boolean;
}

/** The clock name in trace_clock text: the token in brackets, e.g. "[local] global" → "local". */
export function parseClockName(text: string | undefined): string | undefined {
  const token = text?.split(" ").find((t) => t.startsWith("["));
  const name = token?.split(/[[\]]/).find((p) => p.length > 0)?.trim().split(/\s/)[0];
  return name === "" ? undefined : name;
}

/** True when timestamps print as "%5llu.%06llu" (TRACECMD_FL_IN_USECS), false for "%12llu" raw. */
export function printsInUsecs(file: TraceDat, rawTs: boolean): boolean {
  const clock = parseClockName(file.clockText);
  if (clock === undefined) return true;
  if (rawTs) return false;
  if (file.options.tsc2nsec && file.options.tsc2nsec.mult !== 0) return true;
  return USEC_CLOCKS.has(clock) || clock.startsWith("mono");
}

export function makeToTime(file: TraceDat, s: TimeSettings): ToTime | undefined {
  if (s.rawTs) return undefined;
  const o = file.options;
  const offset = fileOffsetNs(file, s);
  const shift = s.isInstance ? undefined : o.timeShift;
  const tsc = tscOf(file, s);
  const factor = ts2secsFactor(s);
  if (!shift && !tsc && factor === undefined && offset === 0n) return undefined;
  return (ts, cpu) => {
    let t = shift ? hostSync(ts, cpu, shift) : ts;
    if (factor !== undefined) t = timesDouble(t, factor);
    else if (tsc) t = tscToNs(t, tsc);
    return (t + offset) & U64;
  };
}

/** DATE (unless --nodate), OFFSET and --ts-offset, as one offset in ns. */
function fileOffsetNs(file: TraceDat, s: TimeSettings): bigint {
  const o = file.options;
  return (s.noDate ? 0n : o.dateNs) + o.offsetNs + s.userOffsetNs;
}

/** TSC2NSEC, unless --ts2secs replaces it. */
function tscOf(file: TraceDat, s: TimeSettings): Tsc2Nsec | undefined {
  const tsc = file.options.tsc2nsec;
  return s.ts2secsHz === undefined && tsc && tsc.mult !== 0 ? tsc : undefined;
}

/** trace-cmd's ts2secs: NSEC_PER_SEC / hz as a double. */
function ts2secsFactor(s: TimeSettings): number | undefined {
  return s.ts2secsHz === undefined ? undefined : 1e9 / s.ts2secsHz;
}

/**
 * C's `u64 ts *= double`: ts rounded to a double, multiplied, truncated back. Past 2^64 the result is
 * what x86-64 code gives for the undefined conversion, and what trace-cmd prints: 0.
 */
function timesDouble(ts: bigint, factor: number): bigint {
  const v = Math.trunc(Number(ts) * factor);
  return v >= 0 && v < 2 ** 64 ? BigInt(v) : 0n;
}

/** Below this, doubles hold the values and their sums exactly. */
const EXACT = 2 ** 52;
const EXACT_BIG = BigInt(EXACT);
const TWO16 = 65536;
const TWO32 = 4294967296;

/**
 * makeToTime() for the report's merge keys: a timestamp as a double while exact (else a bigint) in,
 * the same out. Plain offsets, a one-sample TIME_SHIFT and TSC2NSEC are done in doubles (exactly:
 * see tscToNsExact()); anything else goes through the bigint mapping.
 */
export function makeReportTime(file: TraceDat, s: TimeSettings): ((ts: number | bigint, cpu: number) => number | bigint) | undefined {
  const exact = makeToTime(file, s);
  if (!exact) return undefined;
  const o = file.options;
  const offset = Number(fileOffsetNs(file, s));
  const shift = s.isInstance ? undefined : o.timeShift;
  const shifts = shift?.cpus.map((samples) => doubleShift(samples, shift.flags));
  const tsc = tscOf(file, s);
  const factor = ts2secsFactor(s);
  const toBig = (ts: number | bigint, cpu: number) => {
    const t = exact(BigInt(ts), cpu);
    return t < EXACT_BIG ? Number(t) : t;
  };
  if (Math.abs(offset) >= EXACT || (tsc && (tsc.mult >= TWO32 || tsc.mult < 0))) return toBig;
  return (ts, cpu) => {
    if (typeof ts !== "number") return toBig(ts, cpu);
    let t = ts;
    if (shifts && cpu < shifts.length) {
      const f = shifts[cpu];
      t = f === undefined ? NaN : f(ts);
      if (!(t >= 0 && t < EXACT)) return toBig(ts, cpu);
    }
    if (factor !== undefined) t = Math.trunc(t * factor);
    else if (tsc) t = tscToNsExact(t, tsc.mult, tsc.shift);
    t += offset;
    return t >= 0 && t < EXACT ? t : toBig(ts, cpu);
  };
}

/**
 * hostSync() for one CPU's samples in doubles, when every sample time and offset is exact and there is
 * no scaling (what vtrace and trace-cmd write for TCG and KVM guests); undefined otherwise. The
 * mapping gives NaN for a record it cannot do exactly, which then takes the bigint path.
 */
function doubleShift(samples: readonly TsyncSample[], flags: number): ((ts: number) => number) | undefined {
  if (samples.some((x) => x.scaling !== 1n || x.frac !== 0n || x.time < 0n || !exactInt(x.offset))) return undefined;
  // A time past 2^53 (vtrace and trace-cmd end the samples with one at INT64_MAX) is still above
  // every exact ts as a double, so the bracket search is right; only an interpolation across it
  // with two different offsets needs the exact time, and takes the bigint path.
  const times = samples.map((x) => Number(x.time));
  const exactTimes = samples.map((x) => x.time < EXACT_BIG);
  const offsets = samples.map((x) => Number(x.offset));
  const n = samples.length;
  if (n === 0) return (ts) => ts;
  if (n === 1) return (ts) => ts + offsets[0]!;
  return (ts) => {
    const i = bracketIndex(times, ts);
    let tscor = offsets[i]!;
    // Equal offsets interpolate to that offset: (0 + delta / 2) / delta truncates to 0.
    if (flags & TRACECMD_TSYNC_FLAG_INTERPOLATE && offsets[i + 1] !== tscor) {
      if (!exactTimes[i] || !exactTimes[i + 1]) return NaN;
      const delta = times[i + 1]! - times[i]!;
      const off = (ts - times[i]!) * (offsets[i + 1]! - offsets[i]!);
      if (!(Math.abs(off) < EXACT && Math.abs(delta) < EXACT)) return NaN;
      if (delta !== 0) tscor += truncDiv(off + truncDiv(delta, 2), delta);
    }
    return ts + tscor;
  };
}

/** bracket() on doubles: the index of the first sample of the pair around ts. */
function bracketIndex(times: readonly number[], ts: number): number {
  const n = times.length;
  if (n === 2 || ts <= times[0]!) return 0;
  if (ts >= times[n - 1]!) return n - 2;
  let lo = 0;
  let hi = n - 1;
  let mid = (lo + hi) >> 1;
  while (lo <= hi) {
    const t = times[mid]!;
    if (ts < t) hi = mid - 1;
    else if (ts > t) lo = mid + 1;
    else break;
    mid = (lo + hi) >> 1;
  }
  // Strictly inside the first and last times, the search ends with 0 <= mid <= n - 2.
  return mid;
}

/** C's a / b (truncating) for integers below 2^53, corrected where the double quotient rounded. */
function truncDiv(a: number, b: number): number {
  let q = Math.trunc(a / b);
  const r = a - q * b;
  if (r !== 0 && Math.sign(r) !== Math.sign(a)) q -= Math.sign(a) * Math.sign(b);
  else if (Math.abs(r) >= Math.abs(b)) q += Math.sign(a) * Math.sign(b);
  return q;
}

function exactInt(v: bigint): boolean {
  return v > -EXACT_BIG && v < EXACT_BIG;
}

/**
 * (ts × mult) >> shift for 0 ≤ ts < 2^52 and mult < 2^32, exactly in doubles: the product is built
 * as H·2^32 + L from partial products that each stay below 2^53.
 */
export function tscToNsExact(ts: number, mult: number, shift: number): number {
  const th = Math.floor(ts / TWO32);
  const tl = ts - th * TWO32;
  const tl1 = Math.floor(tl / TWO16);
  const tl0 = tl - tl1 * TWO16;
  const a = th * mult; // × 2^32
  const b = tl1 * mult; // × 2^16
  const c = tl0 * mult;
  const bHi = Math.floor(b / TWO16);
  const cHi = Math.floor(c / TWO32);
  let low = (b - bHi * TWO16) * TWO16 + (c - cHi * TWO32);
  const carry = Math.floor(low / TWO32);
  low -= carry * TWO32;
  const high = a + bHi + cHi + carry;
  if (shift >= 32) return Math.floor(high / 2 ** (shift - 32));
  return high * 2 ** (32 - shift) + Math.floor(low / 2 ** shift);
}

function tscToNs(ts: bigint, tsc: Tsc2Nsec): bigint {
  return ((ts * BigInt(tsc.mult)) >> BigInt(tsc.shift)) & U64;
}

function hostSync(ts: bigint, cpu: number, shift: TimeShift): bigint {
  const samples = shift.cpus[cpu];
  if (!samples || samples.length === 0) return ts;
  if (samples.length === 1) return (ts + samples[0]!.offset) & U64;
  const [min, max] = bracket(samples, ts);
  return correct(ts, shift.flags, min, max);
}

/** The sample pair around ts, clamped to the first or last pair. */
function bracket(samples: TsyncSample[], ts: bigint): [TsyncSample, TsyncSample] {
  const n = samples.length;
  if (n === 2 || ts <= samples[0]!.time) return [samples[0]!, samples[1]!];
  if (ts >= samples[n - 1]!.time) return [samples[n - 2]!, samples[n - 1]!];
  let lo = 0;
  let hi = n - 1;
  let mid = (lo + hi) >> 1;
  while (lo <= hi) {
    const t = samples[mid]!.time;
    if (ts < t) hi = mid - 1;
    else if (ts > t) lo = mid + 1;
    else break;
    mid = (lo + hi) >> 1;
  }
  return [samples[mid]!, samples[Math.min(mid + 1, n - 1)]!];
}

function correct(ts: bigint, flags: number, min: TsyncSample, max: TsyncSample): bigint {
  let tscor = min.offset;
  if (flags & TRACECMD_TSYNC_FLAG_INTERPOLATE) {
    const delta = BigInt.asIntN(64, max.time - min.time);
    const off = BigInt.asIntN(64, (BigInt.asIntN(64, ts) - BigInt.asIntN(64, min.time)) * (max.offset - min.offset));
    if (delta !== 0n) tscor = min.offset + (off + delta / 2n) / delta; // BigInt division truncates like C
  }
  const scaled = ((ts * min.scaling) & U64) >> min.frac;
  return (scaled + tscor) & U64;
}
