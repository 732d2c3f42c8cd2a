// `vtrace show`: trace-cmd show. Prints a buffer's trace (or trace_pipe, snapshot, one CPU's), or with
// --tracing_on, --buffer_size, ... that control file of the buffer.

import type { CAC } from "cac";
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { VtraceError } from "../errors.ts";
import { findTracefs } from "../tracefs/mount.ts";
import { SHOWN_FILES, showPath } from "../tracefs/show-path.ts";
import { singleOption } from "./options.ts";

export function registerShow(cli: CAC): void {
  const command = cli
    .command("show", "Print a buffer's trace file (as trace-cmd show): -p its trace_pipe, -s its snapshot, -c one CPU's")
    .option("-B, --instance <name>", "The ftrace instance (default: the top buffer)")
    .option("-c <cpu>", "Only this CPU's file")
    .option("-p", "trace_pipe (waits for events, consuming them; Ctrl-C ends)")
    .option("-s", "snapshot")
    .option("-f", "Print the file's path first");
  for (const [option, file] of SHOWN_FILES) command.option(`--${option}`, `Print ${file} and exit`);
  command.action(async (o: Record<string, unknown>) => {
    const root = findTracefs();
    const instance = singleOption(o.instance, "-B");
    const dir = instance === undefined ? root : `${root}/instances/${instance}`;
    const asked = SHOWN_FILES.filter(([option]) => o[option] === true);
    if (asked.length > 0) {
      for (const [, file] of asked) await copyToStdout(`${dir}/${file}`);
      return;
    }
    const path = `${root}/${showPath({ instance, cpu: singleOption(o.c, "-c"), pipe: o.p === true, snapshot: o.s === true })}`;
    if (o.f === true) process.stdout.write(`${path}\n`);
    await copyToStdout(path);
  });
}

async function copyToStdout(path: string): Promise<void> {
  try {
    await pipeline(createReadStream(path), process.stdout, { end: false });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EPIPE") return;
    throw new VtraceError(`cannot read '${path}': ${code ?? (e as Error).message}`, { path });
  }
}
