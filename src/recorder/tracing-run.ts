// The part of every recording that is the same whatever the sink: configure the instance,
// start the per-CPU movers, trace until the command exits or a signal, stop the movers.

import { processId } from "../../ffi/process.ts";
import { VtraceError } from "../errors.ts";
import { type EventName, filterTargets } from "../tracefs/event-specs.ts";
import type { TraceInstance } from "../tracefs/instance.ts";
import { pageSizeOf } from "../tracefs/snapshot.ts";
import type { CpuSink } from "./mover-protocol.ts";
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
  /** record -f: an ftrace filter for the events of the -e spec before it. */
  filters?: readonly EventFilter[];
  /** record -P / -F / -c: trace only these tasks. */
  tasks?: TaskFilter;
  /** record -M: a hex mask of the CPUs to trace. */
  cpumask?: string;
}

export interface TaskFilter {
  /** -P: existing pids. */
  pids: readonly number[];
  /** -F: the command run by the record. */
  command: boolean;
  /** -c: their children too. */
  children: boolean;
}

export interface EventFilter {
  spec: string;
  filter: string;
}

export interface TracingOutcome {
  results: CpuResult[];
  exitCode: number | null;
  signal: string | undefined;
  /** The output's file system filled up: the recording stopped there (the first CPU to hit it). */
  diskFull?: { cpu: number; message: string };
}

/** How often pages move to a sink whose reader should see them while recording (a port, a socket). */
const STREAMING_FLUSH_MS = 500;

/** Tracing off, clock, buffer size, empty buffer, events on; returns the CPUs to record. */
export function prepareInstance(inst: TraceInstance, events: readonly EventName[], setup: TracingSetup): number[] {
  inst.setTracingOn(false);
  if (setup.clock) inst.setClock(setup.clock);
  if (setup.bufferKb) inst.setBufferSizeKb(setup.bufferKb);
  if (setup.cpumask) inst.setCpumask(setup.cpumask);
  inst.clearBuffer();
  inst.enableEvents(events);
  if (setup.filters?.length) applyFilters(inst, setup.filters);
  // -F: the list holds our own pid (its threads are in the notrace list, so nothing of ours is
  // recorded) until the command's shell adds itself, so nothing else slips in before it runs.
  // With -F -c the command's shell turns event-fork on itself: were it on when we fork the shell, the
  // shell would inherit our place in set_event_notrace_pid and nothing of the command would be traced.
  const tasks = setup.tasks;
  if (tasks) inst.setEventPids(tasks.command ? [processId(), ...tasks.pids] : tasks.pids, tasks.children && !tasks.command);
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
  const full = new DiskFullStop(stop);
  // A file fills as the kernel's buffer_percent watermark wakes the movers; only a progress line
  // (or a reader on the far side of a port or socket) needs pages moved on a timer.
  const toFiles = cpus.length > 0 && sink(cpus[0]!).kind === "file";
  const recorder = await Recorder.start({
    cpus,
    rawPath: (cpu) => inst.rawPipePath(cpu),
    sink,
    pageSize: pageSizeOf(inst.root),
    flushMs: toFiles && !setup.progress.enabled ? undefined : STREAMING_FLUSH_MS,
    onProgress: setup.progress.enabled ? (cpu, b) => (bytes[cpu] = b) : undefined,
    onDiskFull: (cpu, message) => full.fire(cpu, message),
  });
  let stopped = false;
  const ticker = startProgress(inst, cpus, bytes, setup.progress);
  try {
    inst.setNotracePids(threadIdsOfProcess(processId()));
    inst.setTracingOn(true);
    await setup.afterStart?.(inst.dir);
    const outcome = await runOrWait(setup.tasks?.command ? tracedCommand(setup.command, inst.dir, setup.tasks.children) : setup.command, full);
    await setup.beforeStop?.(inst.dir).catch(() => undefined);
    inst.setTracingOn(false);
    clearInterval(ticker);
    setup.progress.clear();
    const results = await recorder.stop();
    stopped = true;
    return { results, ...outcome, signal: stop.signal, diskFull: full.first };
  } finally {
    clearInterval(ticker);
    if (!stopped) {
      inst.setTracingOn(false);
      await recorder.stop().catch(() => undefined);
      setup.progress.clear();
    }
  }
}

/** Ends the recording like a stop signal when a CPU's file system is full; the command gets SIGTERM. */
class DiskFullStop implements StopTrigger {
  first: { cpu: number; message: string } | undefined;
  #fire!: () => void;
  readonly stopped: Promise<string>;

  constructor(private readonly outer: StopTrigger) {
    const full = new Promise<void>((resolve) => (this.#fire = resolve));
    this.stopped = Promise.race([outer.stopped, full.then(() => "SIGTERM")]);
  }

  get signal(): string | undefined {
    return this.outer.signal ?? (this.first ? "SIGTERM" : undefined);
  }

  fire(cpu: number, message: string): void {
    this.first ??= { cpu, message };
    this.#fire();
  }
}

/**
 * -F: the command runs through a shell that appends its own pid to set_event_pid and then execs it,
 * so the command is traced from its first instruction (trace-cmd does this in its forked child).
 */
function tracedCommand(command: readonly string[], instanceDir: string, children: boolean): string[] {
  const which = command[0]!.includes("/") ? command[0] : Bun.which(command[0]!);
  if (!which) throw new VtraceError(`cannot start command '${command[0]}': ENOENT`);
  const script = `echo $$ >> "$1" && ${children ? 'echo 1 > "$2" && ' : ""}shift 2 && exec "$@"`;
  return ["/bin/sh", "-c", script, "vtrace-F", `${instanceDir}/set_event_pid`, `${instanceDir}/options/event-fork`, ...command];
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
