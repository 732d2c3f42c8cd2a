// trace-cmd's flight-recorder way of tracing: `vtrace start` sets a buffer up and leaves it tracing in
// the kernel (nothing is restored: that is the point), `stop` pauses it, `extract` drains what the
// buffer holds into a trace.dat, `reset` puts the buffer back to the kernel's defaults.

import { UsageError } from "../errors.ts";
import { resolveEventSpecs } from "../tracefs/event-specs.ts";
import { TraceInstance } from "../tracefs/instance.ts";
import { findTracefs } from "../tracefs/mount.ts";
import { pageSizeOf } from "../tracefs/snapshot.ts";
import { closeFd } from "../../ffi/fd.ts";
import { removeFiles } from "./assemble.ts";
import { openOutput, type RecordSummary, removeIfEmpty, type TraceFileOptions, writeTraceFile } from "./local-session.ts";
import { ProgressLine } from "./progress.ts";
import { Recorder } from "./recorder.ts";
import { prepareInstance, type TracingSetup } from "./tracing-run.ts";

export interface StartOptions extends Pick<TracingSetup, "clock" | "bufferKb" | "filters" | "tasks" | "cpumask"> {
  events: readonly string[];
  instance?: string;
}

/** Sets the buffer up (events, filters, clock, size) with an empty ring, and turns tracing on. */
export function startTracing(opts: StartOptions): { dir: string; events: number } {
  if (opts.events.length === 0) throw new UsageError("no events to trace: give at least one -e EVENT (e.g. -e sched)");
  const inst = TraceInstance.open(findTracefs(), opts.instance);
  try {
    const events = resolveEventSpecs(opts.events, inst.availableEvents());
    prepareInstance(inst, events, { ...opts, command: [], progress: new ProgressLine({ write: () => true }) });
    inst.setTracingOn(true);
    return { dir: inst.dir, events: events.length };
  } catch (e) {
    inst.restore(); // a start that fails leaves the buffer as it was
    throw e;
  }
}

export function stopTracing(instance?: string): string {
  const inst = TraceInstance.existing(findTracefs(), instance);
  inst.setTracingOn(false);
  return inst.dir;
}

export function resetTracing(instance?: string): string {
  const inst = TraceInstance.existing(findTracefs(), instance);
  inst.resetToDefaults();
  return inst.dir;
}

/**
 * Drains every CPU's buffer (reads until it is empty; tracing may go on meanwhile) into a trace.dat
 * with the formats of the events set_event lists. The buffer's settings are left as they are.
 */
export async function extractTrace(opts: TraceFileOptions & { instance?: string }): Promise<Omit<RecordSummary, "restoreFailures">> {
  const root = findTracefs();
  const inst = TraceInstance.existing(root, opts.instance);
  const events = inst.enabledEvents();
  const outFd = openOutput(opts.output);
  const cpus = Array.from({ length: inst.cpuCount() }, (_, cpu) => cpu);
  const cpuFiles = cpus.map((cpu) => `${opts.output}.cpu${cpu}`);
  try {
    const recorder = await Recorder.start({ cpus, rawPath: (cpu) => inst.rawPipePath(cpu), sink: (cpu) => ({ kind: "file", path: cpuFiles[cpu]! }), pageSize: pageSizeOf(root) });
    const results = await recorder.stop();
    return writeTraceFile(root, inst, events, outFd, { results, cpuFiles, exitCode: null, signal: undefined }, opts);
  } catch (e) {
    removeFiles(cpuFiles);
    removeIfEmpty(opts.output);
    throw e;
  } finally {
    closeFd(outFd);
  }
}
