// `vtrace report` (placeholder until the reader lands).
import type { CAC } from "cac";
import { UsageError } from "../errors.ts";

export function registerReport(cli: CAC): void {
  cli.command("report", "Print a trace.dat as trace-cmd report does").action(() => {
    throw new UsageError("report is not implemented yet");
  });
}
