// `vtrace stop`: trace-cmd stop. Turns tracing off in a buffer `vtrace start` set up; what it holds
// stays for `vtrace extract`.

import type { CAC } from "cac";
import { stopTracing } from "../recorder/flight-recorder.ts";
import { singleOption } from "./options.ts";

export function registerStop(cli: CAC): void {
  cli
    .command("stop", "Stop tracing in the kernel (the buffer keeps its events for 'vtrace extract')")
    .option("-B, --instance <name>", "The ftrace instance (default: the top buffer)")
    .action((o: Record<string, unknown>) => {
      process.stderr.write(`vtrace stop: tracing off in ${stopTracing(singleOption(o.instance, "-B"))}\n`);
    });
}
