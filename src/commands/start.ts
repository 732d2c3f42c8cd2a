// `vtrace start`: trace-cmd start. Sets a buffer up and leaves it tracing in the kernel; `vtrace
// extract` saves what it holds, `vtrace stop` pauses it, `vtrace reset` undoes it.

import type { CAC } from "cac";
import { startTracing } from "../recorder/flight-recorder.ts";
import { intOption, listOption, singleOption } from "./options.ts";
import { cpumaskOption, eventFilters, taskFilter } from "./record-options.ts";
import os from "node:os";

export function registerStart(cli: CAC): void {
  cli
    .command("start", "Start tracing in the kernel and return (flight recorder); save with 'vtrace extract'")
    .option("-e, --event <event>", "Event to trace: system, system:event or a glob (repeatable)", { type: [String] })
    .option("-f <filter>", "Ftrace filter for the events of the -e before it (repeatable)", { type: [String] })
    .option("-P, --pid <pid>", "Trace only this existing pid (repeatable)", { type: [String] })
    .option("-c", "With -P: its children too")
    .option("-M <mask>", "Trace only the CPUs of this hex mask")
    .option("-C, --clock <clock>", "Trace clock (local, global, mono, x86-tsc, ...)")
    .option("-b, --buffer-size <kib>", "Per-CPU ring buffer size in KiB")
    .option("-B, --instance <name>", "Trace in ftrace instance NAME (created if missing) instead of the top buffer")
    .example("vtrace start -e sched -B flight && sleep 10 && vtrace extract -B flight -o t.dat")
    .action((o: Record<string, unknown>) => {
      const started = startTracing({
        events: listOption(o.event),
        filters: eventFilters(process.argv.slice(process.argv.indexOf("start") + 1)),
        tasks: taskFilter(o, false),
        cpumask: cpumaskOption(o.M, os.cpus().length),
        clock: singleOption(o.clock, "-C"),
        bufferKb: o.bufferSize === undefined ? undefined : intOption(o.bufferSize, "--buffer-size", 1, 1 << 22),
        instance: singleOption(o.instance, "-B"),
      });
      const events = `${started.events} event${started.events === 1 ? "" : "s"}`;
      process.stderr.write(`vtrace start: tracing ${events} in ${started.dir}; save them with vtrace extract, stop with vtrace stop\n`);
    });
}
