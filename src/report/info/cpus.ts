// `report --cpus` (with --first-event / --last-event): the top buffer's CPUs that hold records.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-read.c trace_report() (the show_cpus block: every
// -i file, the top buffer only, "  N" per CPU, then show_event_ts() with time_format(TIME_FMT_TS));
// trace-input.c tracecmd_read_cpu_first() / tracecmd_read_cpu_last() (cpu_data by index, not by cpu).

import type { ByteSink } from "../../lib/byte-sink.ts";
import { bufferCpuPages } from "../../tracedat/reader/cpu-pages.ts";
import { CpuRecords } from "../../tracedat/reader/cpu-records.ts";
import type { TraceDat } from "../../tracedat/reader/trace-dat.ts";
import { formatTime } from "../line.ts";
import { makeToTime, printsInUsecs } from "../time.ts";

export interface CpusInput {
  path: string;
  dat: TraceDat;
  /** --ts-offset of this file (3.1.6 drops it for the first file). */
  userOffsetNs?: bigint;
  /** --ts2secs HZ for this file. */
  ts2secsHz?: number;
  /** --nodate */
  noDate?: boolean;
}

export interface CpusOptions {
  first?: boolean;
  last?: boolean;
  /** -t */
  nsec?: boolean;
  /** --raw-ts */
  rawTs?: boolean;
}

/** One list per -i file (trace-cmd's loop `continue`s after each). */
export function writeCpus(inputs: readonly CpusInput[], opts: CpusOptions, out: ByteSink): void {
  for (const input of inputs) {
    out.write(`List of CPUs in ${input.path} with data:\n`);
    for (let i = 0; i < input.dat.cpuCount; i++) {
      const line = cpuLine(input, i, opts);
      if (line !== undefined) out.write(line);
    }
  }
}

/** "  N" and the requested times, or undefined when the CPU has no record. */
function cpuLine(input: CpusInput, index: number, opts: CpusOptions): string | undefined {
  const span = firstAndLast(input.dat, index);
  if (!span) return undefined;
  const ts = eventTime(input, opts);
  let line = `  ${index}`;
  if (opts.first) line += `\tFirst event:${ts(span.first, span.cpu)}`;
  if (opts.last) line += `\tLast event:${ts(span.last, span.cpu)}`;
  return `${line}\n`;
}

/**
 * Raw timestamps of the first and last record in the top buffer's index-th CPU entry (3.1.6 indexes
 * cpu_data by position in the buffer's CPU table). The last record is found by reading to the end:
 * trace-cmd walks back from the last page to the last page with a record, which is the same record.
 */
export function firstAndLast(dat: TraceDat, index: number): { cpu: number; first: bigint; last: bigint } | undefined {
  const top = dat.buffers[0];
  const ref = top?.cpus[index];
  if (!top || !ref || ref.size === 0) return undefined;
  const pages = bufferCpuPages(dat, top, ref);
  const records = new CpuRecords(ref.cpu, pages, { littleEndian: dat.params.littleEndian, longSize: dat.kernelLongSize }, `cpu${ref.cpu}`);
  if (!records.next()) return undefined;
  const first = records.tsRaw;
  let last = first;
  while (records.next()) last = records.tsRaw;
  return { cpu: ref.cpu, first, last };
}

/** show_event_ts(): "%6.1000d" (µs), "%9.1d" (-t) or "%12d" (counter clocks, --raw-ts) on the report time. */
function eventTime(input: CpusInput, opts: CpusOptions): (tsRaw: bigint, cpu: number) => string {
  const { dat } = input;
  const toTime = makeToTime(dat, { rawTs: opts.rawTs === true, userOffsetNs: input.userOffsetNs ?? 0n, isInstance: false, ts2secsHz: input.ts2secsHz, noDate: input.noDate });
  const usecs = printsInUsecs(dat, opts.rawTs === true);
  return (tsRaw, cpu) => {
    const ts = toTime ? toTime(tsRaw, cpu) : tsRaw;
    // formatTime() is the report column: " SSSSS.UUUUUU:" or "%12d:"; the TS format has no blank or colon.
    if (!usecs) return formatTime(ts, "raw").slice(0, -1);
    return formatTime(ts, opts.nsec ? "nsecs" : "usecs").slice(1, -1);
  };
}
