// The part of every recording that is the same whatever the sink: configure the instance,
// start the per-CPU movers, trace until the command exits or a signal, stop the movers.

import { processId } from "../../ffi/process.ts";
import { type EventName, filterTargets } from "../tracefs/event-specs.ts";
import type { TraceInstance } from "../tracefs/instance.ts";
import { pageSizeOf } from "../tracefs/snapshot.ts";
import type { CpuSink } from "./cpu-protocol.ts";
import { formatProgressLine, type ProgressLine } from "./progress.ts";
import { type CpuResult, Recorder } from "./recorder.ts";
import { startCommand, type StopTrigger, waitForCommand } from "./stop-signal.ts";
import { threadIdsOfProcess } from "./threads.ts";

export interface TracingSetup {
  clock?: string;
  bufferKb?: number;
  command: readonly string[];
  progress: ProgressLine;
  /** Runs once tracing is on (record -A starts the guests here, so the host sees them start). */
  afterStart?(instanceDir: string): Promise<void>;
  /** Runs before tracing goes off (record -A's closing clock-sync probes). */
  beforeStop?(instanceDir: string): Promise<void>;
  /** Pre-started recorder Workers (the guest agent keeps some ready between sessions). */
  warmWorkers?: Worker[];
  /** record -f: an ftrace filter for the events of the -e spec before it. */
  filters?: readonly EventFilter[];
}

export interface EventFilter {
  spec: string;
  filter: string;
}

export interface TracingOutcome {
  results: CpuResult[];
  exitCode: number | null;
  signal: string | undefined;
}

/** Tracing off, clock, buffer size, empty buffer, events on; returns the CPUs to record. */
export function prepareInstance(inst: TraceInstance, events: readonly EventName[], setup: TracingSetup): number[] {
  inst.setTracingOn(false);
  if (setup.clock) inst.setClock(setup.clock);
  if (setup.bufferKb) inst.setBufferSizeKb(setup.bufferKb);
  inst.clearBuffer();
  inst.enableEvents(events);
  if (setup.filters?.length) applyFilters(inst, setup.filters);
  return Array.from({ length: inst.cpuCount() }, (_, i) => i);
}

/** Each -f onto its -e spec's events or systems, as trace-cmd record -f writes them. */
function applyFilters(inst: TraceInstance, filters: readonly EventFilter[]): void {
  const available = inst.availableEvents();
  for (const f of filters) {
    for (const target of filterTargets(f.spec, available)) {
      const systemEvents = available.filter((e) => e.system === target.system).map((e) => e.event);
      inst.setEventFilter(target, f.filter, systemEvents);
    }
  }
}

export async function runTracing(
  inst: TraceInstance,
  cpus: number[],
  setup: TracingSetup,
  stop: StopTrigger,
  sink: (cpu: number) => CpuSink,
): Promise<TracingOutcome> {
  const bytes = cpus.map(() => 0);
  const recorder = await Recorder.start({
    cpus,
    rawPath: (cpu) => inst.rawPipePath(cpu),
    sink,
    pageSize: pageSizeOf(inst.root),
    onProgress: (cpu, b) => (bytes[cpu] = b),
    warmWorkers: setup.warmWorkers,
  });
  let stopped = false;
  const ticker = startProgress(inst, cpus, bytes, setup.progress);
  try {
    inst.setNotracePids(threadIdsOfProcess(processId()));
    inst.setTracingOn(true);
    await setup.afterStart?.(inst.dir);
    const outcome = await runOrWait(setup.command, stop);
    await setup.beforeStop?.(inst.dir).catch(() => undefined);
    inst.setTracingOn(false);
    clearInterval(ticker);
    setup.progress.clear();
    const results = await recorder.stop();
    stopped = true;
    return { results, ...outcome };
  } finally {
    clearInterval(ticker);
    if (!stopped) {
      inst.setTracingOn(false);
      await recorder.stop().catch(() => undefined);
      setup.progress.clear();
    }
  }
}

async function runOrWait(command: readonly string[], stop: StopTrigger) {
  if (command.length === 0) {
    await stop.stopped;
    return { exitCode: null, signal: stop.signal };
  }
  return waitForCommand(startCommand(command), stop);
}

function startProgress(inst: TraceInstance, cpus: number[], bytes: number[], progress: ProgressLine) {
  const started = Date.now();
  if (!progress.enabled) return undefined;
  return setInterval(() => {
    const perCpu = cpus.map((cpu) => {
      const s = inst.cpuStats(cpu);
      return { bytes: bytes[cpu]!, events: s.readEvents, lost: s.overrun + s.droppedEvents };
    });
    progress.show(formatProgressLine(perCpu, Date.now() - started));
  }, 500);
}
