// `vtrace stat`: trace-cmd stat. Shows the ftrace state of the top buffer or of instances (-B), as
// trace-cmd 3.1.6 prints it (tracecmd/trace-stat.c); a missing instance is an error here, not "(null)".

import type { CAC } from "cac";
import { findTracefs } from "../tracefs/mount.ts";
import { readStatSnapshot } from "../tracefs/stat-read.ts";
import { statBuffers, statText } from "../tracefs/stat-text.ts";
import { listOption } from "./options.ts";

export function registerStat(cli: CAC): void {
  cli
    .command("stat", "Show the ftrace state: tracer, events, filters, triggers, pid lists, buffer sizes, clock, tracing on/off")
    .option("-B, --instance <name>", "Show ftrace instance NAME instead of the top buffer (repeatable)", { type: [String] })
    .option("-t", "With -B: the top buffer too")
    .option("-o", "List the trace options")
    .action((o: Record<string, unknown>) => {
      const buffers = statBuffers(listOption(o.instance), Boolean(o.t));
      process.stdout.write(statText(readStatSnapshot(findTracefs(), buffers, Boolean(o.o))));
    });
}
