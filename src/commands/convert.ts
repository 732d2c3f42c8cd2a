// `vtrace convert`: trace-cmd convert. Rewrites a trace.dat as version 6 or 7 (compressed or not).

import type { CAC } from "cac";
import { UsageError } from "../errors.ts";
import { convertFile } from "../convert/convert-file.ts";
import { ProgressLine } from "../recorder/progress.ts";
import { singleOption } from "./options.ts";
import { fileFormat } from "./record-options.ts";

export function registerConvert(cli: CAC): void {
  cli
    .command("convert [output]", "Rewrite a trace.dat as version 6 or 7 (as trace-cmd convert): same events, every buffer")
    .option("-i, --input <file>", "Input file", { default: "trace.dat" })
    .option("-o, --output <file>", "Output file (or give it as the last argument)")
    .option("--file-version <n>", "6 or 7 (default 7, as trace-cmd 3.1.6)")
    .option("--compression <name>", "With version 7: zstd, zlib, any (default) or none")
    .action((positional: string | undefined, o: Record<string, unknown>) => {
      const named = singleOption(o.output, "-o");
      if (named !== undefined && positional !== undefined) throw new UsageError(`give the output as -o FILE or as 'convert ${positional}', not both`);
      const output = named ?? positional;
      if (output === undefined) throw new UsageError("no output file: give -o FILE (see 'vtrace convert --help')");
      const progress = new ProgressLine(process.stderr);
      const input = singleOption(o.input, "-i") ?? "trace.dat";
      const summary = convertFile({
        ...fileFormat(o.fileVersion ?? (o.compression === undefined ? "7" : undefined), o.compression),
        input,
        output,
        onCompress: progress.enabled ? (cpu, done, total) => progress.show(`compressing cpu${cpu}: ${done} of ${total} bytes`) : undefined,
      });
      progress.clear();
      process.stderr.write(`${output}: ${summary.pages} pages in ${summary.buffers} buffer${summary.buffers === 1 ? "" : "s"}\n`);
    });
}
