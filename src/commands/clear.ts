// `vtrace clear`: trace-cmd clear. Empties buffers (their events; settings stay): the top buffer,
// the -B instances, or with -a every instance and the top buffer.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-clear.c (writes "0" to each buffer's trace file).

import type { CAC } from "cac";
import { readdirSync } from "node:fs";
import { TraceInstance } from "../tracefs/instance.ts";
import { writeText } from "../tracefs/files.ts";
import { findTracefs } from "../tracefs/mount.ts";
import { listOption } from "./options.ts";

export function registerClear(cli: CAC): void {
  cli
    .command("clear", "Empty buffers of their events (as trace-cmd clear): the top buffer, -B instances, or -a all")
    .option("-B, --instance <name>", "An ftrace instance to clear (repeatable)", { type: [String] })
    .option("-a, --all", "Every instance and the top buffer")
    .action((o: Record<string, unknown>) => {
      const root = findTracefs();
      const named = listOption(o.instance).map((name) => TraceInstance.existing(root, name).dir);
      const all = o.all === true ? [...readdirSync(`${root}/instances`).map((n) => `${root}/instances/${n}`), root] : [];
      const dirs = named.length + all.length > 0 ? [...named, ...all] : [root];
      for (const dir of dirs) writeText(`${dir}/trace`, "0");
      process.stderr.write(`vtrace clear: emptied ${dirs.join(", ")}\n`);
    });
}
