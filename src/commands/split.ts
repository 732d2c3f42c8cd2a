// `vtrace split`: trace-cmd split. Cuts a trace.dat into parts by time, events or pages.

import type { CAC } from "cac";
import { UsageError } from "../errors.ts";
import { splitFile, type SplitUnit } from "../split/split-file.ts";
import { intOption, singleOption } from "./options.ts";

const UNITS: [flag: string, kind: SplitUnit][] = [
  ["s", "seconds"],
  ["m", "msecs"],
  ["u", "usecs"],
  ["e", "events"],
  ["p", "pages"],
];

export function registerSplit(cli: CAC): void {
  cli
    .command("split [start] [end]", "Cut a trace.dat into parts (as trace-cmd split): START and END in seconds, as report prints them")
    .option("-i, --input <file>", "Input file", { default: "trace.dat" })
    .option("-o, --output <file>", "Parts are FILE.1 (FILE.0001, FILE.0002 ... with -r); default: the input's name")
    .option("-s <n>", "Cut every N seconds")
    .option("-m <n>", "Cut every N milliseconds")
    .option("-u <n>", "Cut every N microseconds")
    .option("-e <n>", "Cut every N events")
    .option("-p <n>", "Cut every N pages (of each CPU)")
    .option("-r", "Repeat: parts from START to END (or the end), not just the first")
    .option("-c", "Per CPU: the limit counts for each CPU on its own")
    .option("-C <cpu>", "Only this CPU")
    .action((start: string | undefined, end: string | undefined, o: Record<string, unknown>) => {
      const given = UNITS.filter(([flag]) => o[flag] !== undefined);
      if (given.length > 1) throw new UsageError("give one of -s, -m, -u, -e, -p");
      const unit = given[0] && { kind: given[0][1], count: intOption(o[given[0][0]], `-${given[0][0]}`, 1, 2 ** 31 - 1) };
      const startNs = seconds(start, "start");
      const endNs = seconds(end, "end");
      if (startNs !== undefined && endNs !== undefined && endNs < startNs) throw new UsageError("end is before start");
      const input = singleOption(o.input, "-i") ?? "trace.dat";
      const parts = splitFile({
        input,
        output: singleOption(o.output, "-o") ?? input,
        unit,
        repeat: o.r === true,
        perCpu: o.c === true || unit?.kind === "pages",
        onlyCpu: o.C === undefined ? undefined : intOption(o.C, "-C", 0, 65535),
        startNs,
        endNs,
      });
      for (const p of parts) process.stderr.write(`${p.path}: ${p.records} events\n`);
    });
}

/** A time in seconds ("75678.923853") as trace-cmd takes it: strtod, then × 1e9 truncated. */
function seconds(v: string | undefined, name: string): bigint | undefined {
  if (v === undefined) return undefined;
  const text = String(v);
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0) throw new UsageError(`invalid ${name} '${text}': expected seconds such as 75678.923853`);
  return BigInt(Math.trunc(n * 1e9));
}
