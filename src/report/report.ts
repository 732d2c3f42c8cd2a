// `report` as text: cpus= headers, then every record of every file and buffer in global time order.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-read.c read_data_info(), trace_show_data().

import { VtraceError } from "../errors.ts";
import type { TraceDat } from "../tracedat/reader/trace-dat.ts";
import { buildFileContext, type FileContext } from "./catalog.ts";
import { buildFileFilters, HandleFilter, type FileFilters, type FilterSpec } from "./filter/filter-set.ts";
import { addInstances, handlePrefix, initialHandles, type Handle, type ReportInput } from "./handles.ts";
import { LinePrinter } from "./printer.ts";
import type { ByteSink } from "../lib/byte-sink.ts";
import { forEachMerged, openStreams, type RecordStream } from "./streams.ts";
import { printsInUsecs } from "./time.ts";
import { alignOffsetNs } from "./align.ts";
import { latencyFields, readField, TRACE_FLAG_HARDIRQ, TRACE_FLAG_SOFTIRQ, type LatencyFields } from "./latency.ts";
import { WakeupLatency } from "./wakeup.ts";
import type { EventFormat } from "./events.ts";
import type { EventMatcher } from "./event-flags.ts";

export type { ReportInput };

export interface ReportOptions {
  /** -t: nanosecond timestamps. */
  nsec: boolean;
  /** -R: raw field values instead of the print fmt. */
  raw: boolean;
  /** --raw-ts: no clock conversion and no offsets. */
  rawTs: boolean;
  /** --cpu: only these CPUs. */
  cpus?: ReadonlySet<number>;
  /** A host + guests set is tagged "(host)"/"(NAME)" ("tag") or by file name as trace-cmd does ("file"). */
  namePrefix?: "tag" | "file";
  /** --ts-check: warn when time goes backwards within a CPU. */
  tsCheck?: boolean;
  /** -l: the latency columns (irqs-off, need-resched, irq context, preempt depth) after the cpu. */
  latency?: boolean;
  /** -F / -v: per input (in inputs order), the filters its records must pass; none when absent or empty. */
  filters?: readonly (readonly FilterSpec[])[];
  /** --ts-diff: " (+N)" after the time, N the time since the previous line. */
  tsDiff?: boolean;
  /** --align-ts: times start at 0 (at the earliest file's first page). */
  alignTs?: boolean;
  /** -I / -S: hide records taken in hard / soft interrupt context. */
  noIrqs?: boolean;
  noSoftirqs?: boolean;
  /** -w: wakeup latencies (one input only). */
  wakeup?: boolean;
  /** -r: events printed raw, as -R prints every event. */
  rawEvents?: EventMatcher;
  /** -n: events printed without their plugin handler. */
  noHandlerEvents?: EventMatcher;
}

export interface ReportResult {
  warnings: string[];
  /** The first read error, after everything readable was printed. */
  error?: VtraceError;
}

export function writeReport(inputs: ReportInput[], opts: ReportOptions, out: ByteSink): ReportResult {
  const repeatFormat = funcRepeatFormat(inputs.at(-1)?.dat, opts);
  const contexts = inputs.map((i) => buildFileContext(i.dat, repeatFormat, opts.noHandlerEvents));
  // Filters are built before anything is printed: a bad one stops the report with nothing on stdout.
  const fileFilters = opts.filters ? inputs.map((input, i) => fileFiltersOf(input.dat, contexts[i]!, opts.filters?.[i] ?? [])) : undefined;
  const warnings = inputs.flatMap((i) => i.dat.options.warnings);
  const { handles, state } = initialHandles(inputs, contexts, opts.namePrefix);
  for (const top of handles.slice()) {
    out.write(`${handlePrefix(top, state)}cpus=${top.input.dat.cpuCount}\n`);
    const latency = top.input.dat.latencyText;
    if (latency) {
      out.write(`${new TextDecoder().decode(latency)}\n`);
      return { warnings };
    }
    addInstances(handles, top, state);
  }
  const wakeup = opts.wakeup ? WakeupLatency.for(contexts[0]!) : undefined;
  const printer = new LinePrinter(state, opts, wakeup);
  const alignNs = opts.alignTs ? alignOffsetNs(handles.filter((h) => !h.isInstance), opts) : undefined;
  const streams = openStreams(handles, { ...opts, alignNs });
  const check = opts.tsCheck ? new TimeCheck() : undefined;
  const filters = fileFilters && streamFilters(streams, inputs, fileFilters);
  const irqs = irqFilter(opts);
  const error = mergeAndPrint(streams, printer, out, check, filters, irqs);
  if (wakeup) out.write(wakeup.summary());
  return { warnings: [...warnings, ...contexts.flatMap((c) => c.warnings), ...(check?.report(streams) ?? [])], error };
}

/**
 * trace-cmd 3.1.6 sets one global tep_func_repeat_format from the last file opened: "%d" with
 * --raw-ts, else by that file's clock style.
 */
export function funcRepeatFormat(last: TraceDat | undefined, opts: ReportOptions): string | undefined {
  if (!last) return undefined;
  if (opts.rawTs) return "%d";
  if (!printsInUsecs(last, false)) return "%12d";
  return opts.nsec ? "%9.1d" : "%6.1000d";
}

/** Counts, per stream, records whose time is earlier than the record before them on that CPU. */
export class TimeCheck {
  readonly #last = new Map<RecordStream, number | bigint>();
  readonly #backwards = new Map<RecordStream, number>();

  see(s: RecordStream): void {
    const last = this.#last.get(s);
    if (last !== undefined && s.ts < last) this.#backwards.set(s, (this.#backwards.get(s) ?? 0) + 1);
    this.#last.set(s, s.ts);
  }

  report(streams: readonly RecordStream[]): string[] {
    return streams
      .filter((s) => this.#backwards.has(s))
      .map((s) => `${s.handle.input.path} cpu${s.cpu}: time went backwards ${this.#backwards.get(s)} times`);
  }
}

/**
 * Prints every record in time order. With -F, records that fail their handle's filters are left out
 * before anything else sees them: trace-cmd tests the filter before it prints (so a hidden record's
 * "EVENTS DROPPED" line and the comm its sched_switch would teach are lost too) and before
 * --ts-check looks at it.
 */
function mergeAndPrint(
  streams: RecordStream[],
  printer: LinePrinter,
  out: ByteSink,
  check?: TimeCheck,
  filters?: (HandleFilter | undefined)[],
  irqs?: (s: RecordStream) => boolean,
): VtraceError | undefined {
  return forEachMerged(streams, (s, index) => {
    const filter = filters?.[index];
    if (filter && !filter.passes(s.records, s.cpu)) return true;
    if (irqs && !irqs(s)) return true;
    check?.see(s);
    return printer.line(s, out);
  });
}

/** -I / -S: whether a record passes, by the irq bits of its common_flags (skip_record() in trace-cmd). */
function irqFilter(opts: ReportOptions): ((s: RecordStream) => boolean) | undefined {
  const hidden = (opts.noIrqs ? TRACE_FLAG_HARDIRQ : 0) | (opts.noSoftirqs ? TRACE_FLAG_SOFTIRQ : 0);
  if (hidden === 0) return undefined;
  return (s) => {
    const r = s.records;
    const flags = r.payloadSize >= 8 ? latencyFieldsOf(s.handle, r.commonType)?.flags : undefined;
    return (readField(r.page, r.payloadOffset, flags, s.handle.input.dat.params.littleEndian) & hidden) === 0;
  };
}

const latencyFieldsByEvent = new WeakMap<EventFormat, LatencyFields>();

function latencyFieldsOf(h: Handle, id: number): LatencyFields | undefined {
  const event = h.ctx.event(id);
  if (!event) return undefined;
  let fields = latencyFieldsByEvent.get(event);
  if (!fields) latencyFieldsByEvent.set(event, (fields = latencyFields(event)));
  return fields;
}

function fileFiltersOf(dat: TraceDat, ctx: FileContext, specs: readonly FilterSpec[]): FileFilters | undefined {
  if (specs.length === 0) return undefined;
  const formats = [
    ...dat.metadata.ftraceFormats.map((text) => ({ system: "ftrace", text })),
    ...dat.metadata.eventSystems.flatMap((sys) => sys.formats.map((text) => ({ system: sys.name, text }))),
  ];
  return buildFileFilters(specs, { formats, event: (id) => ctx.event(id), longSize: dat.params.longSize });
}

/** Per stream (by index), its handle's filter; trace-cmd keeps one per handle, instances included. */
function streamFilters(streams: RecordStream[], inputs: ReportInput[], fileFilters: (FileFilters | undefined)[]): (HandleFilter | undefined)[] {
  const byHandle = new Map<Handle, HandleFilter | undefined>();
  return streams.map((s) => {
    const h = s.handle;
    if (!byHandle.has(h)) {
      const filters = fileFilters[inputs.indexOf(h.input)];
      byHandle.set(h, filters && new HandleFilter(filters, h.input.dat.params.littleEndian, h.ctx.comms));
    }
    return byHandle.get(h);
  });
}

