// `report --format perfetto`: the merged records of every input, in the text report's time order and
// with its timestamps (TIME_SHIFT, TSC2NSEC, offsets applied by the streams), as Chrome trace JSON.
// Source of truth: src/report/report.ts writeReport() (inputs → contexts → handles → streams → merge).

import { RecordDecoder } from "../../analysis/decoded-records.ts";
import { VcpuStates, type RecordSource } from "../../analysis/vcpu-states.ts";
import { FormatError, type VtraceError } from "../../errors.ts";
import { machineRoles } from "../../merge/machine-roles.ts";
import type { ChromeEvent } from "./chrome-event.ts";
import { buildFileContext } from "../../report/catalog.ts";
import { addInstances, initialHandles, type Handle, type ReportInput } from "../../report/handles.ts";
import { forEachMerged, openStreams, type RecordStream } from "../../report/streams.ts";
import { parseClockName, printsInUsecs } from "../../report/time.ts";
import { TraceEventsWriter, type TextOut } from "./json-writer.ts";
import { cpuKey, layoutMachines, metadataEvents, type Machine, type MachineSpec } from "./machines.ts";
import { Timeline } from "./timeline.ts";
import { VcpuStateSlices } from "./vcpu-state-slices.ts";

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
  const specs = machineSpecs(inputs, handles);
  const machines = layoutMachines(specs);
  const streams = openStreams(handles, opts);
  const writer = new TraceEventsWriter(out);
  const started = writer.begin() && metadataEvents(machines).every((e) => writer.event(e));
  const error = started ? exportRecords(inputs, specs, machines, streams, writer) : undefined;
  writer.end({ source: "vtrace report --format perfetto", machines: machines.map((m, i) => describeMachine(m, inputs[i]!, opts)) });
  return { warnings: [...warnings, ...contexts.flatMap((c) => c.warnings)], error };
}

function exportRecords(inputs: ReportInput[], specs: MachineSpec[], machines: Machine[], streams: RecordStream[], writer: TraceEventsWriter): VtraceError | undefined {
  let open = true;
  const emit = (e: ChromeEvent) => void (open &&= writer.event(e));
  const timeline = new Timeline(emit);
  const vcpus = vcpuStateTracks(inputs, specs, machines, emit);
  const decoder = new RecordDecoder();
  const machineOf = new Map(inputs.map((input, i) => [input, machines[i]!]));
  const tracks = streams.map((s) => machineOf.get(s.handle.input)!.cpuTracks.get(cpuKey(s.handle.buffer.name, s.cpu))!);
  const firstError = forEachMerged(streams, (s, index) => {
    const record = decoder.decode(s);
    timeline.record(machineOf.get(s.handle.input)!, tracks[index]!, record);
    const source = s.handle.isInstance ? undefined : vcpus?.sources.get(s.handle.input);
    if (source) vcpus!.states.record(source, record);
    return open;
  });
  if (open) timeline.finish();
  if (open && vcpus) {
    vcpus.states.finish();
    vcpus.slices.finish();
  }
  return firstError;
}

/**
 * For a host + guests set: the vCPU state machine over the top buffers, writing its slices onto one
 * track per vCPU in each guest's process. Undefined without one host whose GUEST options name threads.
 */
function vcpuStateTracks(inputs: ReportInput[], specs: MachineSpec[], machines: Machine[], emit: (e: ChromeEvent) => void) {
  const hosts = specs.flatMap((s, i) => (s.role.kind === "host" ? [{ role: s.role, input: inputs[i]! }] : []));
  if (hosts.length !== 1) return undefined;
  const sources = new Map<ReportInput, RecordSource>([[hosts[0]!.input, { kind: "host" }]]);
  const guestMachines = new Map<string, Machine>();
  specs.forEach((s, i) => {
    if (s.role.kind !== "guest") return;
    sources.set(inputs[i]!, { kind: "guest", name: s.role.name });
    guestMachines.set(s.role.name, machines[i]!);
  });
  const guests = hosts[0]!.role.guests.filter((g) => g.hostTids.size > 0).map((g) => ({ ...g, traced: guestMachines.has(g.name) }));
  if (guests.length === 0) return undefined;
  const slices = new VcpuStateSlices(guestMachines, emit);
  return { states: new VcpuStates(guests, slices), slices, sources };
}

/** One machine per input, in the role machineRoles() gives it, with the buffers and CPUs that get tracks. */
function machineSpecs(inputs: ReportInput[], handles: Handle[]): MachineSpec[] {
  const roles = machineRoles(inputs);
  return inputs.map((input, i): MachineSpec => {
    const buffers = handles.filter((h) => h.input === input).map((h) => ({ name: h.buffer.name, cpus: trackCpus(h) }));
    return { path: input.path, role: roles[i]!, buffers };
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
