// `report --format perfetto`: the merged records of every input, in the text report's time order and
// with its timestamps (TIME_SHIFT, TSC2NSEC, offsets applied by the streams), as Chrome trace JSON.
// Source of truth: src/report/report.ts writeReport() (inputs → contexts → handles → streams → merge).

import { FormatError, type VtraceError } from "../../errors.ts";
import type { EventFormat } from "../../events/format.ts";
import { buildFileContext, type FileContext } from "../../report/catalog.ts";
import { addInstances, initialHandles, type Handle, type ReportInput } from "../../report/handles.ts";
import { forEachMerged, openStreams, type RecordStream } from "../../report/streams.ts";
import { parseClockName, printsInUsecs } from "../../report/time.ts";
import { compileFieldsReader, type FieldsReader } from "./field-values.ts";
import { TraceEventsWriter, type TextOut } from "./json-writer.ts";
import { cpuKey, layoutMachines, metadataEvents, type Machine, type MachineRole, type MachineSpec } from "./machines.ts";
import { Timeline, type TimelineRecord } from "./timeline.ts";

export interface PerfettoOptions {
  /** --raw-ts: no clock conversion and no offsets. */
  rawTs: boolean;
  /** --cpu: only these stream slots, as the text report counts them. */
  cpus?: ReadonlySet<number>;
}

export interface PerfettoResult {
  warnings: string[];
  /** The first read error, after everything readable was written (the JSON is still complete). */
  error?: VtraceError;
}

export function writePerfetto(inputs: ReportInput[], opts: PerfettoOptions, out: TextOut): PerfettoResult {
  const latency = inputs.find((i) => i.dat.latencyText);
  if (latency) throw new FormatError(`cannot export '${latency.path}': a latency-format file has no event records`, { file: latency.path });
  const contexts = inputs.map((i) => buildFileContext(i.dat));
  const { handles, state } = initialHandles(inputs, contexts, "file");
  // Buffer instances follow in the text report's order; their CPUs get tracks of their own.
  for (const top of handles.slice()) addInstances(handles, top, state);
  const warnings = inputs.flatMap((i) => i.dat.options.warnings);
  const machines = layoutMachines(machineSpecs(inputs, handles));
  const streams = openStreams(handles, opts);
  const writer = new TraceEventsWriter(out);
  const started = writer.begin() && metadataEvents(machines).every((e) => writer.event(e));
  const error = started ? exportRecords(inputs, machines, streams, writer) : undefined;
  writer.end({ source: "vtrace report --format perfetto", machines: machines.map((m, i) => describeMachine(m, inputs[i]!, opts)) });
  return { warnings: [...warnings, ...contexts.flatMap((c) => c.warnings)], error };
}

function exportRecords(inputs: ReportInput[], machines: Machine[], streams: RecordStream[], writer: TraceEventsWriter): VtraceError | undefined {
  let open = true;
  const timeline = new Timeline((e) => void (open &&= writer.event(e)));
  const decoder = new RecordDecoder();
  const machineOf = new Map(inputs.map((input, i) => [input, machines[i]!]));
  const tracks = streams.map((s) => machineOf.get(s.handle.input)!.cpuTracks.get(cpuKey(s.handle.buffer.name, s.cpu))!);
  const firstError = forEachMerged(streams, (s, index) => {
    timeline.record(machineOf.get(s.handle.input)!, tracks[index]!, decoder.decode(s));
    return open;
  });
  if (open) timeline.finish();
  return firstError;
}

/** Record bytes → TimelineRecord, one compiled field reader per event format. */
class RecordDecoder {
  readonly #readers = new Map<EventFormat, FieldsReader>();

  decode(s: RecordStream): TimelineRecord {
    const r = s.records;
    const ctx = s.handle.ctx;
    const event = ctx.event(r.commonType);
    const payload = r.page.subarray(r.payloadOffset, r.payloadOffset + r.payloadSize);
    const fields = event ? this.#reader(event, s.handle)(payload) : {};
    if (event) learnComms(ctx, event, fields);
    return {
      tsNs: typeof s.ts === "bigint" ? s.ts : BigInt(s.ts),
      cpu: s.cpu,
      system: event?.system ?? "unknown",
      name: event?.name ?? `unknown event ${r.commonType}`,
      commonPid: r.commonPid,
      comm: ctx.comms.comm(r.commonPid),
      fields,
      missed: r.missed,
    };
  }

  #reader(event: EventFormat, h: Handle): FieldsReader {
    let reader = this.#readers.get(event);
    if (!reader) {
      const { params } = h.input.dat;
      this.#readers.set(event, (reader = compileFieldsReader(event, { littleEndian: params.littleEndian, longSize: params.longSize })));
    }
    return reader;
  }
}

/** As libtraceevent's sched plugin does for the text report: comms seen in sched events name pids. */
function learnComms(ctx: FileContext, event: EventFormat, f: TimelineRecord["fields"]): void {
  if (event.system !== "sched") return;
  const learn = (pid: unknown, comm: unknown) => typeof pid === "number" && typeof comm === "string" && ctx.comms.learn(pid, comm);
  if (event.name === "sched_switch") {
    learn(f.prev_pid, f.prev_comm);
    learn(f.next_pid, f.next_comm);
  } else if (event.name.startsWith("sched_wak")) learn(f.pid, f.comm);
}

/**
 * A file whose GUEST options name guests is a host; a file whose trace id one of them names is
 * that guest; any other file is a plain machine named after its path.
 */
function machineSpecs(inputs: ReportInput[], handles: Handle[]): MachineSpec[] {
  const guestsOf = inputs.map((i) => i.dat.options.guests);
  const byTraceId = new Map(guestsOf.flat().map((g) => [g.traceId, g]));
  return inputs.map((input, i): MachineSpec => {
    const traceId = input.dat.options.traceId;
    const asGuest = traceId === undefined ? undefined : byTraceId.get(traceId);
    const role: MachineRole =
      input.dat.options.guests.length > 0
        ? { kind: "host", guests: guestsOf[i]! }
        : asGuest
          ? { kind: "guest", name: asGuest.name, hostTids: asGuest.hostTids }
          : { kind: "file" };
    const buffers = handles.filter((h) => h.input === input).map((h) => ({ name: h.buffer.name, cpus: trackCpus(h) }));
    return { path: input.path, role, buffers };
  });
}

/** Every CPU of the file for its top buffer, and each CPU that holds data. */
function trackCpus(h: Handle): number[] {
  const withData = h.buffer.cpus.filter((c) => c.size > 0).map((c) => c.cpu);
  return h.isInstance ? withData : [...Array.from({ length: h.input.dat.cpuCount }, (_, cpu) => cpu), ...withData];
}

function describeMachine(m: Machine, input: ReportInput, opts: PerfettoOptions): Record<string, unknown> {
  const clock = parseClockName(input.dat.clockText) ?? "local";
  // Counter clocks (x86-tsc without TSC2NSEC, counter) print raw ticks; ts is then ticks / 1000.
  return { pid: m.pid, name: m.name, file: input.path, clock, tsFrom: printsInUsecs(input.dat, opts.rawTs) ? "ns" : "clock ticks" };
}
