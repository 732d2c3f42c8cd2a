// A local recording from start to finish: set up the instance, start the per-CPU movers,
// run until the command exits or a signal, then write trace.dat and restore the kernel state.

import os from "node:os";
import { statSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { closeFd, O_CREAT, O_TRUNC, O_WRONLY, openFd, truncateFd } from "../../ffi/fd.ts";
import { UsageError, VtraceError } from "../errors.ts";
import { resolveEventSpecs, type EventName } from "../tracefs/event-specs.ts";
import { TraceInstance } from "../tracefs/instance.ts";
import { findTracefs } from "../tracefs/mount.ts";
import { pageSizeOf, readMetadata, unameText } from "../tracefs/snapshot.ts";
import type { CpuStats } from "../tracefs/stats.ts";
import { randomTraceId, TRACECMD_OPTION_OFFSET, type TraceFileParams, type TraceOption, wholePages } from "../tracedat/model.ts";
import { recordingOptions, textOption, tsc2nsecOption } from "../tracedat/options-encode.ts";
import { dateOption } from "./date-offset.ts";
import { compressorFor, type CompressionName } from "../tracedat/compressors.ts";
import { type AssembledCpu, type AssembleInput, assembleTraceDat, assembleTraceDatV7, type CompressProgress, NoRoomError, removeFiles } from "./assemble.ts";
import { isDiskFull } from "./disk-full.ts";
import { formatBytes, type ProgressLine } from "./progress.ts";
import type { CpuResult } from "./recorder.ts";
import { StopSignal } from "./stop-signal.ts";
import { TSC_CLOCK, type TscConversion, TSCNSEC_CLOCK } from "./tsc-clock.ts";
import { prepareInstance, runTracing, type TracingOutcome, type TracingSetup } from "./tracing-run.ts";

export interface LocalRecordOptions extends TracingSetup {
  events: readonly string[];
  output: string;
  clock?: string;
  bufferKb?: number;
  instance?: string;
  command: readonly string[];
  version: string;
  progress: ProgressLine;
  /** The file's TRACEID (guests recorded alongside refer to it); random when absent. */
  traceId?: bigint;
  /** Extra options for the file (GUEST options of the guests recorded alongside). */
  extraOptions?: () => readonly TraceOption[];
  /** With the x86-tsc clock: store TSC2NSEC so reports show ns (the clock is then named tsc2nsec). */
  tsc2nsec?: TscConversion;
  /** trace.dat version 6 (the default) or 7, with the compression of a v7 file ("none" or a compressor). */
  fileVersion?: 6 | 7;
  compression?: CompressionName;
  /** --date: store the trace clock's offset to the wall clock (DATE), measured before tracing. */
  date?: boolean;
  /** --ts-offset NS: stored as the OFFSET option, added to every timestamp by report. */
  tsOffset?: string;
  /** Options that go first in the file (DATE / OFFSET, as trace-cmd writes them). */
  leadingOptions?: readonly TraceOption[];
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
    const leadingOptions = timeOptions(instance, opts);
    const run = await traceUntilStopped(instance, events, opts, stop);
    const summary = writeTraceFile(root, instance, events, outFd, run, { ...opts, leadingOptions });
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

/** DATE (--date, measured now on the buffer's clock) or OFFSET (--ts-offset). */
function timeOptions(inst: TraceInstance, opts: LocalRecordOptions): TraceOption[] {
  if (opts.tsOffset !== undefined) return [textOption(TRACECMD_OPTION_OFFSET, opts.tsOffset)];
  if (!opts.date) return [];
  if (opts.clock) inst.setClock(opts.clock);
  return [dateOption(inst, opts.clock === TSC_CLOCK ? opts.tsc2nsec : undefined)];
}

export function openOutput(path: string): number {
  try {
    return openFd(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644);
  } catch (e) {
    throw new UsageError(`cannot write output '${path}': ${(e as Error).message.replace(/^open '[^']*': /, "")}`, {
      path,
      dir: dirname(path),
    });
  }
}

export interface TracingRun extends TracingOutcome {
  cpuFiles: string[];
}

async function traceUntilStopped(
  inst: TraceInstance,
  events: EventName[],
  opts: LocalRecordOptions,
  stop: StopSignal,
): Promise<TracingRun> {
  const cpus = prepareInstance(inst, events, opts);
  const cpuFiles = cpus.map((cpu) => `${opts.output}.cpu${cpu}`);
  try {
    const outcome = await runTracing(inst, cpus, opts, stop, (cpu) => ({ kind: "file", path: cpuFiles[cpu]! }));
    return { ...outcome, cpuFiles };
  } catch (e) {
    removeFiles(cpuFiles);
    throw e;
  }
}

/** What writing the file needs of the record's options (extract gives the same). */
export type TraceFileOptions = Pick<LocalRecordOptions, "output" | "version" | "progress" | "traceId" | "extraOptions" | "tsc2nsec" | "fileVersion" | "compression" | "leadingOptions">;

export function writeTraceFile(
  root: string,
  inst: TraceInstance,
  events: EventName[],
  outFd: number,
  run: TracingRun,
  opts: TraceFileOptions,
): Omit<RecordSummary, "restoreFailures"> {
  const pageSize = pageSizeOf(root);
  const params: TraceFileParams = { version: opts.fileVersion ?? 6, littleEndian: os.endianness() === "LE", longSize: 8, pageSize };
  const stats = run.results.map((r) => inst.cpuStats(r.cpu));
  const tsc = opts.tsc2nsec && inst.clock() === TSC_CLOCK ? opts.tsc2nsec : undefined;
  const options = [...(opts.leadingOptions ?? []), ...recordingOptions(
    {
      clockFileText: inst.clockFileText(),
      uname: unameText(),
      version: `${opts.version} vtrace`,
      traceId: opts.traceId ?? randomTraceId(),
      cpuStats: stats.map((s) => s.text),
      cpuCount: run.results.length,
      // trace-cmd's order: GUEST options, then TSC2NSEC, then CPUCOUNT.
      extra: [...(opts.extraOptions?.() ?? []), ...(tsc ? [tsc2nsecOption(tsc.mult, tsc.shift, tsc.offset, params.littleEndian)] : [])],
    },
    params.littleEndian,
  )];
  // As trace-cmd (tracecmd_set_out_clock(TSCNSEC_CLOCK)): the flyrecord clock names the conversion.
  const clock = tsc ? TSCNSEC_CLOCK : inst.clock();
  const meta = readMetadata(root, events);
  const input = { outFd, params, meta, options, clock, cpuFiles: run.cpuFiles };
  // extract has no stop to trigger, so a full disk shows only in its streams' results.
  const full = run.diskFull ?? run.results.filter((r) => r.diskFull !== undefined).map((r) => ({ cpu: r.cpu, message: r.diskFull! }))[0];
  const recorded = run.cpuFiles.reduce((sum, f) => sum + wholePages(statSync(f).size, pageSize), 0);
  let assembled: ReturnType<typeof assemble>;
  try {
    assembled = assemble(input, opts, full !== undefined);
  } finally {
    opts.progress.clear();
    removeFiles(run.cpuFiles);
  }
  const { layout, asV6 } = assembled;
  // v7 sizes are compressed ones, and v7 is only written when everything fit.
  const kept = input.params.version === 7 && !asV6 ? recorded : layout.reduce((sum, c) => sum + c.size, 0);
  if (full || kept < recorded) throw diskFullError(opts.output, { ...run, diskFull: full }, { kept, recorded, pageSize, asV6 });
  const cpus = run.results.map((r, i) => ({ ...r, pages: Math.floor(r.bytes / pageSize), stats: stats[i]! }));
  return { output: opts.output, cpus, layout, exitCode: run.exitCode, signal: run.signal };
}

/**
 * v6 moves the pages in place (a full disk costs only the pages that never reached it); v7 needs
 * room for the compressed copy, so a disk that filled up gets the v6 file instead.
 */
function assemble(input: AssembleInput, opts: TraceFileOptions, diskFull: boolean): { layout: AssembledCpu[]; asV6: boolean } {
  const v6 = (): AssembledCpu[] => {
    try {
      return assembleTraceDat({ ...input, params: { ...input.params, version: 6 } });
    } catch (e) {
      if (e instanceof NoRoomError) {
        truncateFd(input.outFd, 0); // nothing half-written: the empty output is removed
        throw new VtraceError(`disk full: not even the trace.dat head fits (${formatBytes(e.needed)}): nothing kept, '${opts.output}' removed`);
      }
      throw e;
    }
  };
  if (input.params.version !== 7) return { layout: v6(), asV6: false };
  if (diskFull) return { layout: v6(), asV6: true };
  try {
    return { layout: assembleTraceDatV7(input, compressorFor(opts.compression ?? "any"), compressProgress(opts.progress)), asV6: false };
  } catch (e) {
    if (!isDiskFull(e)) throw e;
    truncateFd(input.outFd, 0);
    return { layout: v6(), asV6: true };
  }
}

/** One line: what filled, and how much of the recording the file keeps. */
function diskFullError(output: string, run: TracingRun, size: { kept: number; recorded: number; pageSize: number; asV6: boolean }): VtraceError {
  const taken = run.results.reduce((sum, r) => sum + r.bytes, 0);
  const cause = run.diskFull ? `while recording (cpu${run.diskFull.cpu}: ${run.diskFull.message})` : "while writing the file";
  const asV6 = size.asV6 ? " as version 6 (no room for the v7 copy)" : "";
  return new VtraceError(
    `disk full ${cause}: '${output}' keeps ${formatBytes(size.kept)} (${size.kept / size.pageSize} pages) of the ${formatBytes(Math.max(taken, size.recorded))} recorded${asV6}; it is a complete trace.dat up to there`,
    { output, kept: size.kept },
  );
}

/** "compressing cpuN: X of Y" on a terminal, at most every 100 ms (zlib takes ~20 s a GB). */
function compressProgress(progress: ProgressLine): CompressProgress | undefined {
  if (!progress.enabled) return undefined;
  let shownAt = 0;
  return (cpu, done, total) => {
    const now = Date.now();
    if (now - shownAt < 100) return;
    shownAt = now;
    progress.show(`compressing cpu${cpu}: ${formatBytes(done)} of ${formatBytes(total)}`);
  };
}

/** A run that failed before writing anything leaves no empty output behind. */
export function removeIfEmpty(path: string): void {
  try {
    if (statSync(path).size === 0) unlinkSync(path);
  } catch {
    // nothing to remove
  }
}
