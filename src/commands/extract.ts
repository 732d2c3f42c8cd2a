// `vtrace extract`: trace-cmd extract. Saves what a buffer holds (after `vtrace start`) as a trace.dat.

import type { CAC } from "cac";
import { extractTrace } from "../recorder/flight-recorder.ts";
import { ProgressLine } from "../recorder/progress.ts";
import { VTRACE_VERSION } from "../version.ts";
import { singleOption } from "./options.ts";
import { fileFormat } from "./record-options.ts";
import { formatSummary } from "./summary.ts";

export function registerExtract(cli: CAC): void {
  cli
    .command("extract", "Save the events a buffer holds (after 'vtrace start') into a trace.dat")
    .option("-B, --instance <name>", "The ftrace instance (default: the top buffer)")
    .option("-o, --output <file>", "Output file", { default: "trace.dat" })
    .option("--file-version <n>", "trace.dat version: 6 (default) or 7")
    .option("--compression <name>", "With version 7: zstd, zlib, any or none; implies --file-version 7")
    .action(async (o: Record<string, unknown>) => {
      const summary = await extractTrace({
        ...fileFormat(o.fileVersion, o.compression),
        instance: singleOption(o.instance, "-B"),
        output: String(o.output),
        version: VTRACE_VERSION,
        progress: new ProgressLine(process.stderr),
      });
      process.stderr.write(formatSummary(summary, "extract"));
    });
}
