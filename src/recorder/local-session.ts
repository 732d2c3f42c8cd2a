// A local recording from start to finish: set up the instance, start the per-CPU movers,
// run until the command exits or a signal, then write trace.dat and restore the kernel state.

import os from "node:os";
import { statSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { closeFd, O_CREAT, O_TRUNC, O_WRONLY, openFd } from "../../ffi/fd.ts";
import { processId } from "../../ffi/process.ts";
import { UsageError } from "../errors.ts";
import { resolveEventSpecs, type EventName } from "../tracefs/event-specs.ts";
import { TraceInstance } from "../tracefs/instance.ts";
import { findTracefs } from "../tracefs/mount.ts";
import { pageSizeOf, readMetadata, unameText } from "../tracefs/snapshot.ts";
import type { CpuStats } from "../tracefs/stats.ts";
import type { TraceFileParams } from "../tracedat/model.ts";
import { recordingOptions } from "../tracedat/options-encode.ts";
import { type AssembledCpu, assembleTraceDat, removeFiles } from "./assemble.ts";
import { formatProgressLine, ProgressLine } from "./progress.ts";
import { type CpuResult, Recorder } from "./recorder.ts";
import { startCommand, StopSignal, waitForCommand } from "./stop-signal.ts";
import { threadIdsOfProcess } from "./threads.ts";

export interface LocalRecordOptions {
  events: readonly string[];
  output: string;
  clock?: string;
  bufferKb?: number;
  instance?: string;
  command: readonly string[];
  version: string;
  progress: ProgressLine;
}

export interface CpuSummary extends CpuResult {
  pages: number;
  stats: CpuStats;
}

export interface RecordSummary {
  output: string;
  cpus: CpuSummary[];
  layout: AssembledCpu[];
  exitCode: number | null;
  signal: string | undefined;
  restoreFailures: string[];
}

export async function recordLocal(opts: LocalRecordOptions): Promise<RecordSummary> {
  if (opts.events.length === 0) throw new UsageError("no events to record: give at least one -e EVENT (e.g. -e sched)");
  const root = findTracefs();
  const outFd = openOutput(opts.output);
  // Caught from here on, so a signal during set-up still restores the kernel state.
  const stop = new StopSignal();
  let instance: TraceInstance | undefined;
  try {
    instance = TraceInstance.open(root, opts.instance);
    const events = resolveEventSpecs(opts.events, instance.availableEvents());
    const run = await traceUntilStopped(instance, events, opts, stop);
    const summary = writeTraceFile(root, instance, events, outFd, run, opts);
    return { ...summary, restoreFailures: instance.restore() };
  } catch (e) {
    removeIfEmpty(opts.output);
    throw e;
  } finally {
    stop.dispose();
    closeFd(outFd);
    instance?.restore();
  }
}

function openOutput(path: string): number {
  try {
    return openFd(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644);
  } catch (e) {
    throw new UsageError(`cannot write output '${path}': ${(e as Error).message.replace(/^open '[^']*': /, "")}`, {
      path,
      dir: dirname(path),
    });
  }
}

interface TracingRun {
  results: CpuResult[];
  cpuFiles: string[];
  exitCode: number | null;
  signal: string | undefined;
}

async function traceUntilStopped(
  inst: TraceInstance,
  events: EventName[],
  opts: LocalRecordOptions,
  stop: StopSignal,
): Promise<TracingRun> {
  inst.setTracingOn(false);
  if (opts.clock) inst.setClock(opts.clock);
  if (opts.bufferKb) inst.setBufferSizeKb(opts.bufferKb);
  inst.clearBuffer();
  inst.enableEvents(events);
  const cpus = Array.from({ length: inst.cpuCount() }, (_, i) => i);
  const cpuFiles = cpus.map((cpu) => `${opts.output}.cpu${cpu}`);
  const bytes = cpus.map(() => 0);
  const recorder = await Recorder.start({
    cpus,
    rawPath: (cpu) => inst.rawPipePath(cpu),
    sink: (cpu) => ({ kind: "file", path: cpuFiles[cpu]! }),
    pageSize: pageSizeOf(inst.root),
    onProgress: (cpu, b) => (bytes[cpu] = b),
  });
  let stopped = false;
  const ticker = startProgress(inst, cpus, bytes, opts.progress);
  try {
    inst.setNotracePids(threadIdsOfProcess(processId()));
    inst.setTracingOn(true);
    const outcome = await runOrWait(opts.command, stop);
    inst.setTracingOn(false);
    clearInterval(ticker);
    opts.progress.clear();
    const results = await recorder.stop();
    stopped = true;
    return { results, cpuFiles, ...outcome };
  } finally {
    clearInterval(ticker);
    if (!stopped) {
      inst.setTracingOn(false);
      await recorder.stop().catch(() => undefined);
      opts.progress.clear();
      removeFiles(cpuFiles);
    }
  }
}

async function runOrWait(command: readonly string[], stop: StopSignal) {
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

function writeTraceFile(
  root: string,
  inst: TraceInstance,
  events: EventName[],
  outFd: number,
  run: TracingRun,
  opts: LocalRecordOptions,
): Omit<RecordSummary, "restoreFailures"> {
  const pageSize = pageSizeOf(root);
  const params: TraceFileParams = { version: 6, littleEndian: os.endianness() === "LE", longSize: 8, pageSize };
  const stats = run.results.map((r) => inst.cpuStats(r.cpu));
  const options = recordingOptions(
    {
      clockFileText: inst.clockFileText(),
      uname: unameText(),
      version: `${opts.version} vtrace`,
      traceId: randomTraceId(),
      cpuStats: stats.map((s) => s.text),
      cpuCount: run.results.length,
    },
    params.littleEndian,
  );
  const clock = inst.clock();
  const meta = readMetadata(root, events);
  const layout = assembleTraceDat({ outFd, params, meta, options, clock, cpuFiles: run.cpuFiles });
  removeFiles(run.cpuFiles);
  const cpus = run.results.map((r, i) => ({ ...r, pages: Math.floor(r.bytes / pageSize), stats: stats[i]! }));
  return { output: opts.output, cpus, layout, exitCode: run.exitCode, signal: run.signal };
}

function randomTraceId(): bigint {
  const b = crypto.getRandomValues(new BigUint64Array(1));
  return b[0]!;
}

/** A run that failed before writing anything leaves no empty output behind. */
function removeIfEmpty(path: string): void {
  try {
    if (statSync(path).size === 0) unlinkSync(path);
  } catch {
    // nothing to remove
  }
}
