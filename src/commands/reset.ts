// `vtrace reset`: trace-cmd reset. An instance is removed; the top buffer gets the kernel's defaults.

import type { CAC } from "cac";
import { resetTracing } from "../recorder/flight-recorder.ts";
import { singleOption } from "./options.ts";

export function registerReset(cli: CAC): void {
  cli
    .command("reset", "Reset a buffer: remove instance -B NAME, or give the top buffer no events, filters or pid lists")
    .option("-B, --instance <name>", "The ftrace instance to remove (default: reset the top buffer)")
    .action((o: Record<string, unknown>) => {
      process.stderr.write(`vtrace reset: reset ${resetTracing(singleOption(o.instance, "-B"))}\n`);
    });
}
