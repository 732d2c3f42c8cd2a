// record --date: the offset from the trace clock to the wall clock, stored as the DATE option (hex
// µs), so reports print wall-clock times. A marker is written between two CLOCK_REALTIME reads; the
// trace's timestamp of the marker, paired with the middle of the quickest of 50 tries, gives it.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-record.c get_date_to_ts(), find_ts() (it uses the
// top buffer; vtrace uses the recording's own buffer and clock).

import { closeFd, O_WRONLY, openFd, writeAll } from "../../ffi/fd.ts";
import { realtimeNs } from "../../ffi/process.ts";
import { UsageError, VtraceError } from "../errors.ts";
import { readText } from "../tracefs/files.ts";
import type { TraceInstance } from "../tracefs/instance.ts";
import { TRACECMD_OPTION_DATE, type TraceOption } from "../tracedat/model.ts";
import { textOption } from "../tracedat/options-encode.ts";
import { TSC_CLOCK, type TscConversion } from "./tsc-clock.ts";

const TRIES = 50;
const STAMP = "vtrace-date-stamp";
/** Clocks whose timestamps are ns (those report prints as seconds). */
const NS_CLOCKS = /^(local|global|uptime|perf|mono.*|boot|tai)$/;

/** The DATE option for this buffer's clock (set already); the buffer is left off and not cleared. */
export function dateOption(inst: TraceInstance, tsc?: TscConversion): TraceOption {
  const clock = inst.clock();
  const toNs = nsOf(clock, tsc);
  const marker = openFd(`${inst.dir}/trace_marker`, O_WRONLY);
  let best: { latency: bigint; offset: bigint } | undefined;
  try {
    for (let i = 0; i < TRIES; i++) {
      const sample = sampleOnce(inst, marker, toNs);
      if (sample && (!best || sample.latency < best.latency)) best = sample;
    }
  } finally {
    closeFd(marker);
    inst.setTracingOn(false);
  }
  if (!best) throw new VtraceError(`--date: the marker written to ${inst.dir}/trace_marker never showed in its trace`);
  return textOption(TRACECMD_OPTION_DATE, `0x${BigInt.asUintN(64, best.offset / 1000n).toString(16)}`);
}

/** ns from a trace timestamp of this clock; --date needs a clock report prints as seconds. */
function nsOf(clock: string, tsc?: TscConversion): (ts: bigint) => bigint {
  if (NS_CLOCKS.test(clock)) return (ts) => ts;
  if (clock === TSC_CLOCK && tsc) return (ts) => (ts * BigInt(tsc.mult)) >> BigInt(tsc.shift);
  throw new UsageError(`--date needs a clock in ns (local, global, mono, boot, ...) or x86-tsc with a known frequency; '${clock}' counts ticks`);
}

function sampleOnce(inst: TraceInstance, marker: number, toNs: (ts: bigint) => bigint): { latency: bigint; offset: bigint } | undefined {
  inst.setTracingOn(false);
  inst.clearBuffer();
  inst.setTracingOn(true);
  const before = realtimeNs();
  writeAll(marker, new TextEncoder().encode(STAMP));
  const after = realtimeNs();
  inst.setTracingOn(false);
  const ts = markerTimestamp(readText(`${inst.dir}/trace`));
  if (ts === undefined) return undefined;
  return { latency: after - before, offset: before + (after - before) / 2n - toNs(ts) };
}

/** The marker's timestamp in the trace text: "SECONDS.USECS:" (ns clocks) or a raw count. */
export function markerTimestamp(trace: string): bigint | undefined {
  const m = new RegExp(` (\\d+)(?:\\.(\\d+))?: (?:tracing_mark_write|print): +${STAMP}`).exec(trace);
  if (!m) return undefined;
  if (m[2] === undefined) return BigInt(m[1]!);
  return BigInt(m[1]!) * 1_000_000_000n + BigInt(m[2].padEnd(9, "0").slice(0, 9));
}
