// One mergeable stream per (handle, cpu): a CpuRecords with its timestamp mapped to report time.
// Source of truth: trace-cmd 3.1.6 trace-input.c tracecmd_read_data() + timestamp_calc().

import { VtraceError } from "../errors.ts";
import type { PageLayout } from "../ringbuf/page.ts";
import { bufferCpuPages } from "../tracedat/reader/cpu-pages.ts";
import { CpuRecords } from "../tracedat/reader/cpu-records.ts";
import { addContext } from "../tracedat/reader/error-context.ts";
import type { Handle } from "./handles.ts";
import { StreamHeap, type MergeStream } from "./kway.ts";
import type { HandleColumns } from "./printer.ts";
import { makeReportTime, type TimeSettings } from "./time.ts";

export class RecordStream implements MergeStream {
  /** Report time of the current record; a double while exact. */
  ts: number | bigint = 0;
  /** The printer's per-handle cache, attached on first use. */
  columns: HandleColumns | undefined;

  constructor(
    readonly handle: Handle,
    readonly cpu: number,
    readonly records: CpuRecords,
    /** Record time → report time, on merge keys (doubles while exact). */
    readonly toTime: ((ts: number | bigint, cpu: number) => number | bigint) | undefined,
  ) {}

  /** Moves to the next record; false at the end. Errors name the file. */
  advance(): boolean {
    try {
      if (!this.records.next()) return false;
    } catch (e) {
      throw addContext(e, "file", this.handle.input.path, this.handle.input.path);
    }
    this.ts = this.toTime ? this.toTime(this.records.tsKey, this.cpu) : this.records.tsKey;
    return true;
  }
}

/**
 * Opens every (handle, cpu) stream in merge order. trace-cmd 3.1.6 numbers the streams of all handles
 * in one sequence (each handle takes max_cpu slots) and --cpu filters on that number, not the cpu.
 */
export interface StreamOptions {
  rawTs: boolean;
  cpus?: ReadonlySet<number>;
  /** --align-ts: added to every handle's offset (minus the earliest first-page time). */
  alignNs?: bigint;
}

/** How a handle's timestamps map to report time. */
export function timeSettings(h: Handle, opts: StreamOptions): TimeSettings {
  const { input } = h;
  return { rawTs: opts.rawTs, userOffsetNs: input.userOffsetNs + (opts.alignNs ?? 0n), isInstance: h.isInstance, ts2secsHz: input.ts2secsHz, noDate: input.noDate };
}

export function openStreams(handles: Handle[], opts: StreamOptions): RecordStream[] {
  const streams: RecordStream[] = [];
  let start = 0;
  for (const h of handles) {
    const slots = handleSlots(h);
    const { dat } = h.input;
    const layout: PageLayout = { littleEndian: dat.params.littleEndian, longSize: dat.kernelLongSize };
    const toTime = makeReportTime(dat, timeSettings(h, opts));
    const label = h.buffer.name === "" ? "" : `buffer '${h.buffer.name}' `;
    const first = start;
    start += slots;
    const refs = [...h.buffer.cpus].filter((c) => c.size > 0 && c.cpu < slots && (!opts.cpus || opts.cpus.has(first + c.cpu)));
    for (const ref of refs.sort((a, b) => a.cpu - b.cpu)) {
      const pages = bufferCpuPages(dat, h.buffer, ref);
      streams.push(new RecordStream(h, ref.cpu, new CpuRecords(ref.cpu, pages, layout, `${label}cpu${ref.cpu}`), toTime));
    }
  }
  return streams;
}

/** tracecmd_input.max_cpu: the file's cpu count, raised by the buffer's own cpu table. */
function handleSlots(h: Handle): number {
  const bufferCpus = h.buffer.cpus.reduce((m, c) => Math.max(m, c.cpu + 1), 0);
  return Math.max(h.input.dat.cpuCount, bufferCpus);
}

/**
 * Visits the records of all streams in global time order (k-way merge). A stream that fails to read
 * ends there while the others go on; the first such error is returned. visit() returns false to stop.
 */
export function forEachMerged(streams: RecordStream[], visit: (s: RecordStream, index: number) => boolean): VtraceError | undefined {
  let firstError: VtraceError | undefined;
  const step = (s: RecordStream): boolean => {
    try {
      return s.advance();
    } catch (e) {
      if (!isVtraceError(e)) throw e;
      firstError ??= e;
      return false;
    }
  };
  const heap = new StreamHeap(streams);
  streams.forEach((s, i) => step(s) && heap.push(i));
  for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
    const s = streams[top]!;
    if (!visit(s, top)) break;
    if (step(s)) heap.replaceTop();
    else heap.popTop();
  }
  return firstError;
}

export function isVtraceError(e: unknown): e is VtraceError {
  return e instanceof VtraceError;
}
