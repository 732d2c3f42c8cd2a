// `vtrace dump`: trace-cmd dump's options in, the file opened at the edge, the dump text out on stdout.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-dump.c trace_dump() (options, default trace.dat, -v).

import type { CAC } from "cac";
import { UsageError, VtraceError } from "../errors.ts";
import { openInputFile } from "../io/file-source.ts";
import { FdWriter } from "../io/stdout-writer.ts";
import { dumpTraceDat } from "../tracedat/dump/dump.ts";
import { DUMP_ITEM_OPTIONS, dumpItemsFor, type DumpItemOption } from "../tracedat/dump/items.ts";
import { addContext } from "../tracedat/reader/error-context.ts";
import { singleOption } from "./options.ts";

const DEFAULT_INPUT = "trace.dat";

const HELP: Record<DumpItemOption, string> = {
  summary: "The layout: versions, sizes and counts of each part (the default)",
  "head-page": "The header_page format",
  "head-event": "The header_event format",
  "ftrace-events": "The ftrace event formats",
  systems: "The event systems and their event counts",
  events: "The event formats",
  kallsyms: "The stored kallsyms",
  printk: "The stored printk formats",
  "cmd-lines": "The saved command lines",
  options: "Every option with its payload",
  flyrecord: "Where each CPU's data is (and v7 buffer sections)",
  clock: "The trace clock",
  strings: "v7: the section name strings",
  sections: "v7: every section header",
  all: "All of the above",
};

export function registerDump(cli: CAC): void {
  const command = cli
    .command("dump [file]", "Print the internals of a trace.dat, as trace-cmd dump does (FILE or -i FILE; default trace.dat)")
    .option("-i, --input <file>", "Input file (default trace.dat)")
    .option("-v, --validate", "Check the whole header; end with a line saying the file is valid")
    .option("--verbose [level]", "Accepted for trace-cmd compatibility");
  for (const name of Object.keys(DUMP_ITEM_OPTIONS) as DumpItemOption[]) command.option(`--${name}`, HELP[name]);
  command.action((file: string | undefined, flags: Record<string, unknown>) => runDump(file, flags, cli.rawArgs));
}

function runDump(positional: string | undefined, flags: Record<string, unknown>, rawArgs: string[]): void {
  const asked = (Object.keys(DUMP_ITEM_OPTIONS) as DumpItemOption[]).filter((name) => flags[camelCase(name)] !== undefined);
  const file = positionalFile(positional, asked, flags);
  const input = singleOption(flags.input, "-i");
  if (file !== undefined && input !== undefined) throw new UsageError(`give the input as -i FILE or as 'dump ${file}', not both`);
  const path = file ?? input ?? DEFAULT_INPUT;
  // cac's global -v/--version also catches -v: only a literal -v or --validate asks to validate.
  const validate = rawArgs.includes("-v") || flags.validate === true;
  using source = openInputFile(path);
  const out = new FdWriter(1);
  try {
    dumpTraceDat(source, { items: dumpItemsFor(asked, validate), validate, path }, out);
  } catch (e) {
    throw readFailure(e, path);
  } finally {
    out.flush(); // what was printed before a failure still goes out, as trace-cmd flushes each line
  }
}

/** A damaged file names itself; a read the system refuses (a directory: EISDIR) is one line too. */
function readFailure(e: unknown, path: string): unknown {
  const code = (e as { code?: unknown }).code;
  if (!(e instanceof VtraceError) && typeof code === "string") return new VtraceError(`cannot read '${path}': ${code}`, { file: path });
  return addContext(e, "file", path, path);
}

/**
 * cac tells its parser the camelCase names, so a kebab-case flag (--head-page FILE) takes the word
 * after it as its value: that word is the positional file.
 */
function positionalFile(positional: string | undefined, asked: DumpItemOption[], flags: Record<string, unknown>): string | undefined {
  const taken = asked.map((name) => flags[camelCase(name)]).filter((v): v is string => typeof v === "string");
  const files = [...(positional === undefined ? [] : [positional]), ...taken];
  if (files.length > 1) throw new UsageError(`more than one input file: ${files.map((f) => `'${f}'`).join(", ")}`);
  return files[0];
}

function camelCase(option: string): string {
  return option.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
}

