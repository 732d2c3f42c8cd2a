// `vtrace report`: options in, trace.dat files opened at the edge, text out through a buffered fd writer.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-read.c trace_report() (options and their order rules).

import type { CAC } from "cac";
import { UsageError } from "../errors.ts";
import { openInputFile, type FileSource } from "../io/file-source.ts";
import { FdWriter } from "../io/stdout-writer.ts";
import { parseCpuList } from "../report/cpu-list.ts";
import { filtersByInput } from "../report/filter/args.ts";
import { withPidFilter } from "../report/filter/pid-filter.ts";
import { ts2secsByInput, tsOffsetsByInput, valuesByInput } from "../report/input-args.ts";
import { eventMatcher } from "../report/event-flags.ts";
import { decodeText } from "../lib/cursor.ts";
import { writeReport, type ReportInput, type ReportOptions } from "../report/report.ts";
import { writePerfetto } from "../export/perfetto/export.ts";
import { inFile } from "../tracedat/reader/error-context.ts";
import { openTraceDat } from "../tracedat/reader/open.ts";
import { listOption } from "./options.ts";
import { infoMode, writeInfo, type InfoFlags, type InfoModeName } from "../report/info/index.ts";

const DEFAULT_INPUT = "trace.dat";

/** cac's parsed flags; the information-mode ones are InfoFlags (--event's value unchecked, --version read raw). */
interface ReportFlags extends Omit<InfoFlags, "event" | "version"> {
  input?: unknown;
  t?: boolean;
  R?: boolean;
  cpu?: unknown;
  rawTs?: boolean;
  namePrefix?: unknown;
  tsCheck?: boolean;
  format?: unknown;
  l?: boolean;
  tsDiff?: boolean;
  alignTs?: boolean;
  nodate?: boolean;
  I?: boolean;
  S?: boolean;
  w?: boolean;
  q?: boolean;
  event?: unknown;
  pid?: unknown;
  comm?: unknown;
  r?: unknown;
  n?: unknown;
}

export function registerReport(cli: CAC): void {
  cli
    .command("report [file]", "Print a trace.dat as text, as trace-cmd report does (FILE or -i FILE; default trace.dat)")
    .option("-i, --input <file>", "Input file (repeat to merge files; default trace.dat)", { type: [String] })
    .option("-t", "Print timestamps in nanoseconds")
    .option("-R", "Print raw event fields instead of the event's format")
    .option("--cpu <list>", "Only show these CPUs (e.g. 0,2-3)", { type: [String] })
    .option("--raw-ts", "Print raw timestamps: no clock conversion or offsets")
    .option("--ts-check", "Warn (on stderr) when time goes backwards within a CPU")
    .option("--format <format>", "'text' (trace-cmd's report) or 'perfetto' (Chrome trace JSON for ui.perfetto.dev)", { default: "text" })
    .option("--name-prefix <style>", "For a host + guests set: 'tag' prints (host)/(GUEST), 'file' the file names as trace-cmd", { default: "tag" })
    .option("-l", "Latency format: irqs-off, need-resched, hard/soft irq and preempt depth after the cpu")
    .option("-F <filter>", "Show only events matching 'EVENTS[:EXPRESSION]' (repeatable; see trace-cmd report -F)", { type: [String] })
    .option("-v", "The -F filters after -v hide the events they match")
    .option("--ts-offset <ns>", "Add ns to the timestamps of the preceding -i file (ignored for the first, as trace-cmd 3.1.6)", {
      type: [String],
    })
    .option("--ts2secs <hz>", "Timestamps are ticks of HZ: convert them to seconds (after a second -i: for that file only)", { type: [String] })
    .option("--ts-diff", "Show the time since the previous event after each timestamp")
    .option("--align-ts", "Shift all times so the trace starts at 0")
    .option("--nodate", "Ignore the date offset that 'record --date' stored")
    .option("-I", "Hide events recorded in hard interrupt context")
    .option("-S", "Hide events recorded in soft interrupt context")
    .option("-w", "Wakeup latencies: after each sched_switch that ends a wakeup, and totals at the end (one input only)")
    .option("-q", "Quiet: no warnings on stderr")
    .option("-r <event>", "Print events matching EVENT (a regex on the name or system) raw, as -R does (repeatable)", { type: [String] })
    .option("-n <event>", "Print events matching EVENT by their print fmt, not by a plugin (repeatable)", { type: [String] })
    .option("--pid <pids>", "Only events of these pids (comma list): their own, wakeups of them, switches to them (first input)", { type: [String] })
    .option("--comm <names>", "As --pid, for the pids the saved cmdlines give these comms (comma list)", { type: [String] })
    // Information about the file instead of its events (the first of these given wins, as in trace-cmd).
    .option("-e", "Show the file's endianness")
    .option("--events", "Show the event formats stored in the file")
    .option("--event <regex>", "Show the stored formats of the events or systems matching REGEX")
    .option("--check-events", "Exit 0 if every event format parses, 22 (EINVAL) if not")
    .option("-f", "Show the function map (kallsyms) stored in the file")
    .option("-P", "Show the printk formats stored in the file")
    .option("-E", "List the events the file has formats for, as system:name")
    .option("--cpus", "List the CPUs that have data")
    .option("--first-event", "With --cpus: the time of each CPU's first event")
    .option("--last-event", "With --cpus: the time of each CPU's last event")
    .option("--stat", "Show the kernel buffer statistics stored at the end of the recording")
    .option("--uname", "Show the uname of the recording machine (and the version); --version: the version of the tool that wrote the file")
    // cac leaves a command's --version out of its help (the line above names it).
    .option("--version", "Show the version of the tool that wrote the file")
    // cac would read "--ts-offset -5000" as flags -5 -0 …; the offsets come from the raw argv instead,
    // so unknown options are checked here rather than by cac.
    .allowUnknownOptions()
    .action((file: string | undefined, flags: ReportFlags): number => {
      checkOptions(flags, cli.rawArgs);
      const input = withInputFile(flags, file);
      // cac sets `version` for -v (the -F negation) too: only a literal --version asks for the file's.
      const info = infoMode({ ...input, event: typeof input.event === "string" ? input.event : undefined, version: cli.rawArgs.includes("--version") });
      if (info) return runInfo(info, input, cli.rawArgs);
      runReport(input, cli.rawArgs);
      return 0;
    });
}

/** `report FILE`, as `trace-cmd report FILE`: the same as -i FILE, and not together with -i (trace-cmd shows its usage). */
function withInputFile(flags: ReportFlags, file: string | undefined): ReportFlags {
  if (file === undefined) return flags;
  if (listOption(flags.input).length > 0) throw new UsageError(`give the input as -i FILE or as 'report ${file}', not both`);
  return { ...flags, input: [file] };
}

/** --pid values: comma lists of decimal pids. */
function pidList(v: unknown): number[] {
  return listOption(v)
    .flatMap((p) => p.split(","))
    .map((p) => {
      if (!/^\d+$/.test(p)) throw new UsageError(`invalid --pid '${p}': expected a process id`);
      return Number(p);
    });
}

/** The -i paths, default trace.dat. */
function inputPaths(flags: ReportFlags): string[] {
  const paths = listOption(flags.input);
  return paths.length > 0 ? paths : [DEFAULT_INPUT];
}

/**
 * Opens the first `count` -i files as report inputs with their per-file time settings (--ts-offset,
 * --ts2secs, --nodate), runs `use`, and closes them.
 */
function withInputs<T>(flags: ReportFlags, rawArgs: string[], count: number, use: (inputs: ReportInput[]) => T): T {
  const paths = inputPaths(flags);
  const offsets = tsOffsetsByInput(rawArgs, paths.length);
  const ts2secs = ts2secsByInput(rawArgs, paths.length);
  const sources: FileSource[] = [];
  try {
    const inputs = paths.slice(0, count).map((path, i): ReportInput => {
      const source = openInputFile(path);
      sources.push(source);
      return { path, dat: inFile(path, () => openTraceDat(source)), userOffsetNs: offsets[i] ?? 0n, ts2secsHz: ts2secs[i], noDate: flags.nodate === true };
    });
    return use(inputs);
  } finally {
    for (const s of sources) s[Symbol.dispose]();
  }
}

function printWarnings(flags: ReportFlags, warnings: readonly string[]): void {
  if (flags.q !== true) for (const w of warnings) process.stderr.write(`vtrace report: warning: ${w}\n`);
}

function runReport(flags: ReportFlags, rawArgs: string[]): void {
  if (flags.format !== "text" && flags.format !== "perfetto") throw new UsageError(`invalid --format '${String(flags.format)}': use 'text' or 'perfetto'`);
  const count = inputPaths(flags).length;
  if (flags.w === true && count > 1) throw new UsageError("-w (wakeup latency) works on a single input file");
  const cpus = flags.cpu === undefined ? undefined : new Set(listOption(flags.cpu).flatMap(parseCpuList));
  const filters = filtersByInput(rawArgs);
  if (filters && flags.format !== "text") throw new UsageError("-F works with --format text only");
  if (flags.l === true && flags.format !== "text") throw new UsageError("-l works with --format text only");
  for (const f of filters?.ignored ?? []) {
    process.stderr.write(`vtrace report: warning: -F '${f.text}' is ignored, as trace-cmd 3.1.6 ignores a -F after the only -i when none comes before it\n`);
  }
  const pids = pidList(flags.pid);
  withInputs(flags, rawArgs, count, (inputs) => {
    const comms = listOption(flags.comm).flatMap((c) => c.split(","));
    let lists = filters?.lists;
    if (pids.length + comms.length > 0) {
      const cmdlines = decodeText(inputs[0]?.dat.metadata.cmdlines ?? new Uint8Array());
      const withPids = withPidFilter(lists, inputs.length, cmdlines, pids, comms);
      printWarnings(flags, withPids.warnings);
      lists = withPids.lists;
    }
    if (lists && flags.format !== "text") throw new UsageError("--pid and --comm work with --format text only");
    const out = new FdWriter(1);
    let result: ReturnType<typeof writeReport>;
    try {
      const namePrefix = flags.namePrefix === "file" ? "file" : "tag";
      if (flags.namePrefix !== undefined && flags.namePrefix !== "file" && flags.namePrefix !== "tag") {
        throw new UsageError(`invalid --name-prefix '${String(flags.namePrefix)}': use 'tag' or 'file'`);
      }
      const opts: ReportOptions = {
        nsec: flags.t === true,
        raw: flags.R === true,
        rawTs: flags.rawTs === true,
        cpus,
        namePrefix,
        tsCheck: flags.tsCheck === true,
        filters: lists,
        latency: flags.l === true,
        tsDiff: flags.tsDiff === true,
        alignTs: flags.alignTs === true,
        noIrqs: flags.I === true,
        noSoftirqs: flags.S === true,
        wakeup: flags.w === true,
        rawEvents: eventMatcher(listOption(flags.r), "-r"),
        noHandlerEvents: eventMatcher(listOption(flags.n), "-n"),
      };
      result = flags.format === "perfetto" ? writePerfetto(inputs, opts, out) : writeReport(inputs, opts, out);
    } finally {
      out.flush(); // what was printed before a failure still goes out
    }
    printWarnings(flags, result.warnings);
    if (result.error && !out.closed) throw result.error;
  });
}

/**
 * An information mode. Those trace-cmd answers inside its file loop read only the first file, so a
 * later file is not even opened (a broken one does not fail the command, as in trace-cmd).
 */
function runInfo(mode: InfoModeName, flags: ReportFlags, rawArgs: string[]): number {
  const count = READS_EVERY_FILE.has(mode) ? inputPaths(flags).length : 1;
  return withInputs(flags, rawArgs, count, (inputs) => {
    const out = new FdWriter(1);
    let result: ReturnType<typeof writeInfo>;
    try {
      const event = typeof flags.event === "string" ? flags.event : undefined;
      result = writeInfo(mode, inputs, out, { ...flags, event, t: flags.t === true, rawTs: flags.rawTs === true });
    } finally {
      out.flush();
    }
    printWarnings(flags, result.warnings);
    return result.exitCode;
  });
}

const READS_EVERY_FILE = new Set<InfoModeName>(["cpus", "stat", "uname", "version"]);

const KNOWN_OPTIONS = new Set(["--", "i", "input", "t", "R", "F", "l", "cpu", "rawTs", "raw-ts", "tsOffset", "ts-offset", "namePrefix", "name-prefix", "tsCheck", "ts-check", "format", "h", "help", "v", "version",
  "ts2secs", "tsDiff", "ts-diff", "alignTs", "align-ts", "nodate", "I", "S", "w", "q",
  "e", "events", "event", "checkEvents", "check-events", "f", "P", "E", "cpus", "firstEvent", "first-event", "lastEvent", "last-event", "stat", "uname", "pid", "comm", "r", "n"]);

function checkOptions(flags: ReportFlags, rawArgs: string[]): void {
  const negativeOffsets = ["--ts-offset", "--ts2secs"].flatMap((name) => valuesByInput(rawArgs, name).map((v) => v.value).filter((v) => /^-\d+$/.test(v))).join("");
  for (const key of Object.keys(flags)) {
    if (KNOWN_OPTIONS.has(key)) continue;
    if (/^\d$/.test(key) && negativeOffsets.includes(key)) continue;
    throw new UsageError(`unknown option '${key.length === 1 ? "-" : "--"}${key}': see 'vtrace report --help'`);
  }
}
