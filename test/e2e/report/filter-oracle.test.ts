// `vtrace report -F ... [-v -F ...]` against `trace-cmd report` (3.1.6) on real recordings:
// identical stdout. trace-cmd 3.1.6 crashes in tracecmd_close() at exit whenever a -F was given,
// losing what stdio still buffered, so it runs under `stdbuf -oL` and its exit code is not compared.
// Also: parse trees against `trace-cmd report -T`, and bad filters (one stderr line, exit 2).

import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openFileSource } from "../../../src/io/file-source.ts";
import { buildFileContext } from "../../../src/report/catalog.ts";
import { filterText } from "../../../src/report/filter/ast.ts";
import { eventNames } from "../../../src/report/filter/events.ts";
import { parseEventFilter } from "../../../src/report/filter/parse.ts";
import { toFieldInfo } from "../../../src/events/field-info.ts";
import { openTraceDat } from "../../../src/tracedat/reader/open.ts";
import { corpusFile, corpusUnavailable, firstDifference, type Variant } from "../../helpers/corpus.ts";
import { CORPUS } from "./corpus.ts";

const ROOT = join(import.meta.dir, "..", "..", "..");
const BINARY = join(ROOT, "dist", "vtrace");
/** dist/vtrace when built (VTRACE_FROM_SOURCE=1 runs src/cli.ts instead). */
const VTRACE = existsSync(BINARY) && !process.env.VTRACE_FROM_SOURCE ? [BINARY] : [process.execPath, join(ROOT, "src", "cli.ts")];
const skipWhy = corpusUnavailable() ?? (Bun.which("stdbuf") ? undefined : "stdbuf is not installed");
if (skipWhy) console.log(`skipping report filter oracle tests: ${skipWhy}`);

async function run(cmd: string[]): Promise<{ out: string; err: string; code: number }> {
  const p = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { out, err, code };
}

const traceCmd = (args: string[]) => run(["stdbuf", "-oL", "trace-cmd", "report", ...args]);
const vtrace = (args: string[]) => run([...VTRACE, "report", ...args]);

/** Event lines (not cpus= headers). */
const eventLines = (text: string) => text.split("\n").filter((l) => l !== "" && !/(^|: )cpus=\d+$/.test(l)).length;

/** Same stdout; the filter kept some events and hid some (so the case cannot pass by accident). */
async function compare(args: string[], all: string[]): Promise<void> {
  const [expected, actual, unfiltered] = await Promise.all([traceCmd(args), vtrace(args), traceCmd(all)]);
  expect(actual.err).toBe("");
  const diff = firstDifference(expected.out, actual.out);
  if (diff) console.log(`vtrace report ${args.join(" ")}: ${diff}`);
  expect(diff).toBeUndefined();
  expect(actual.code).toBe(0);
  const shown = eventLines(expected.out);
  expect(shown).toBeGreaterThan(0);
  expect(shown).toBeLessThan(eventLines(unfiltered.out));
}

const T = 120_000;
type Spec = keyof typeof CORPUS;

/** [name, corpus, variant, filter args before -i, filter args after -i, other options]. */
const CASES: [string, Spec, Variant, string[], string[], string[]?][] = [
  ["an event name", "schedLocal", "zstd", ["-F", "sched_switch"], []],
  ["a system name", "mono", "zstd", ["-F", "irq"], []],
  ["a regex list with system/event", "mono", "v6", ["-F", "sched_w.*,timer/hrtimer_.*"], []],
  ["a numeric compare", "schedLocal", "zstd", ["-F", "sched_switch: prev_pid == 0"], []],
  ["signed field against a constant", "schedLocal", "zstd", ["-F", "sched_switch: next_prio < 120 || prev_prio >= 120"], []],
  ["&& || ! with parentheses", "schedLocal", "zstd", ["-F", "sched_switch: !(prev_pid == 0 || next_pid == 0) && (prev_prio < 200)"], []],
  ["no precedence: a || b && c is (a || b) && c", "schedLocal", "zstd", ["-F", "sched_switch: prev_pid == 0 || next_pid == 0 && next_prio == 120"], []],
  ["a string field ==", "schedLocal", "zstd", ["-F", 'sched_switch: prev_comm == "swapper/0" || prev_comm == "swapper/1"'], []],
  ["a string field =~ (basic regex, case-insensitive)", "schedLocal", "zstd", ["-F", 'sched_switch: next_comm =~ "^SWAP.*[0-9]$"'], []],
  // Filters must keep some events and hide some on any fresh recording: a busy machine may have no idle (pid 0) events.
  ["COMM", "mono", "zstd", ["-F", '.*: COMM == "bun"'], []],
  ["COMM !~", "allLocal", "zstd", ["-F", '.*: COMM !~ "^kworker" && common_pid != 0'], []],
  ["CPU", "allLocal", "zstd", ["-F", ".*: CPU == 1"], []],
  ["-v excludes", "schedLocal", "zstd", ["-v", "-F", "sched_switch"], []],
  ["-v with an expression", "allLocal", "v6", ["-v", "-F", ".*: CPU == 0 && common_pid >= 0"], []],
  ["two -F combined", "schedLocal", "zstd", ["-F", "sched_switch: prev_pid == 0", "-F", "sched_wakeup"], []],
  ["-F and -v -F", "mono", "zstd", ["-F", "sched,irq", "-v", "-F", "sched_switch: next_pid == 0"], []],
  ["a field some matched events lack", "schedLocal", "zstd", ["-F", "sched: prev_pid == 0 || pid == 0"], []],
  ["a name that is no field of any event", "schedLocal", "none", ["-F", "sched: bogus == 1 || prev_pid != 0"], []],
  ["arithmetic as a test", "allLocal", "zstd", ["-F", ".*: common_pid & 1"], []],
  ["'x == -1' is 'x - 1'", "schedLocal", "zstd", ["-F", "sched_switch: prev_pid == -1"], []],
  ["lost events: a hidden record's DROPPED line goes with it", "lost", "zstd", ["-F", ".*: common_pid != 0 && CPU == 0"], []],
  ["instances, with --cpu", "twoBuffers", "zstd", ["-F", "sched_switch,irq.*"], [], ["--cpu", "1,3"]],
  ["-t -R", "mono", "v6", ["-v", "-F", "timer"], [], ["-t", "-R"]],
  ["-F after the only -i joins one before it", "schedLocal", "zstd", ["-F", "sched_switch"], ["-F", "sched_wakeup"]],
];

describe.skipIf(skipWhy !== undefined)("report -F matches trace-cmd", () => {
  test.each(CASES)("%s", async (_name, spec, variant, before, after, options = []) => {
    const file = await corpusFile(CORPUS[spec], variant);
    await compare([...before, "-i", file, ...after, ...options], ["-i", file, ...options]);
  }, T);

  test("several files: the first takes the -F before and after it, the second its own", async () => {
    const a = await corpusFile(CORPUS.schedLocal);
    const b = await corpusFile(CORPUS.mono, "v6");
    const all = ["-i", a, "-i", b];
    await compare(["-F", "sched_switch", "-i", a, "-F", "sched_wakeup", "-i", b, "-v", "-F", "sched"], all);
    await compare(["-i", a, "-i", b, "-F", "irq"], all);
  }, T);

  test("--pid and --comm (trace-cmd's filter over common_pid, pid and next_pid), alone, with -F, -v and two files", async () => {
    const file = await corpusFile(CORPUS.schedLocal);
    const other = await corpusFile(CORPUS.mono, "v6");
    // The recording process is the first task of the corpus (it forks the load).
    const pid = /-(\d+) +\[/.exec((await vtrace(["-i", file])).out.split("\n")[1] ?? "")?.[1];
    expect(pid).toMatch(/^[1-9]\d*$/);
    const all = ["-i", file];
    await compare(["--pid", pid!, ...all], all);
    await compare(["--pid", `${pid},0`, ...all], all);
    await compare(["--comm", "bun", ...all], all);
    await compare(["-F", "sched_switch", "--pid", pid!, ...all], all);
    await compare(["--pid", pid!, "-v", "-F", "sched_switch", ...all], all);
    await compare(["--pid", pid!, ...all, "-i", other], [...all, "-i", other]);
    const missing = await vtrace(["--comm", "no-such-comm", ...all]);
    expect(missing.err).toBe("vtrace report: warning: comm: no-such-comm not in cmdline list\n");
    expect(await vtrace(["--pid", "x1", ...all])).toEqual({ out: "", err: "vtrace report: invalid --pid 'x1': expected a process id\n", code: 2 });
  }, T);

  test("a -F after the only -i, with none before, is ignored as trace-cmd ignores it, with a warning", async () => {
    const file = await corpusFile(CORPUS.schedLocal);
    const args = ["-i", file, "-F", "sched_switch"];
    const [expected, actual, unfiltered] = await Promise.all([traceCmd(args), vtrace(args), traceCmd(["-i", file])]);
    expect(firstDifference(expected.out, actual.out)).toBeUndefined();
    expect(expected.out).toBe(unfiltered.out);
    expect(actual.err).toBe("vtrace report: warning: -F 'sched_switch' is ignored, as trace-cmd 3.1.6 ignores a -F after the only -i when none comes before it\n");
  }, T);
});

/** A copy of a v6 file whose saved cmdlines are blanked (same length, all newlines): comms must be learned. */
function withoutCmdlines(path: string, dir: string): string {
  const cmdlines = Buffer.from(openTraceDat(openFileSource(path)).metadata.cmdlines);
  const bytes = Buffer.from(readFileSync(path));
  const at = bytes.indexOf(cmdlines);
  expect(at).toBeGreaterThan(0);
  bytes.fill(10, at, at + cmdlines.length);
  const out = join(dir, "no-cmdlines.dat");
  writeFileSync(out, bytes);
  return out;
}

describe.skipIf(skipWhy !== undefined)("comms", () => {
  test("a hidden sched_switch / sched_wakeup teaches no comm (trace-cmd learns while printing)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vtrace-filter-"));
    try {
      const file = withoutCmdlines(await corpusFile(CORPUS.schedLocal, "v6"), dir);
      const args = ["-v", "-F", "sched_switch,sched_wakeup.*", "-i", file];
      await compare(args, ["-i", file]);
      // Not vacuous: had the hidden records taught comms, the task column would differ.
      const all = (await traceCmd(["-i", file])).out.split("\n").filter((l) => !/sched_switch:|sched_wakeup/.test(l));
      expect((await vtrace(args)).out).not.toBe(all.join("\n"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, T);
});

/** Expressions whose trees `trace-cmd report -T` prints for sched_switch. */
const TREES = [
  "prev_pid == 0 || next_pid == 0 && prev_prio > 5",
  "!prev_pid == 0 && next_pid != 1",
  "!(prev_pid == 0 || next_pid == 1) || prev_prio <= 120",
  "prev_pid == -1",
  "prev_pid == 1 foo == 2",
  "!(bogus == 1) && common_pid == 2",
  'prev_comm == "bash" || prev_comm =~ "^k.*" && next_comm != "x"',
  'COMM == "bash" && CPU >= 2',
  "prev_pid & 0x10",
  "prev_pid == 0x1f || prev_pid == 017 || prev_pid == 19abc",
  'prev_comm == "ab" "cd"',
  "prev_pid >= 18446744073709551615",
  "(prev_pid == 1) && !(next_pid == 2 && prev_prio > 3)",
];

describe.skipIf(skipWhy !== undefined)("parse trees match trace-cmd report -T", () => {
  test("sched_switch trees", async () => {
    const file = await corpusFile(CORPUS.schedLocal);
    const dat = openTraceDat(openFileSource(file));
    const ctx = buildFileContext(dat);
    const formats = dat.metadata.eventSystems.flatMap((s) => s.formats.map((text) => ({ system: s.name, text })));
    const id = eventNames(formats).find((e) => e.name === "sched_switch")!.id;
    const format = ctx.event(id)!;
    const lookup = (name: string) => {
      const f = [...format.commonFields, ...format.fields].find((x) => x.name === name);
      return f && { kind: "field" as const, name, info: toFieldInfo(f, dat.params.longSize) };
    };
    for (const expr of TREES) {
      const r = await run(["trace-cmd", "report", "-T", "-F", `sched_switch: ${expr}`, "-i", file]);
      expect(`${expr} -> ${filterText(parseEventFilter(expr, lookup))}`).toBe(`${expr} -> ${/'sched_switch: (.*)'/.exec(r.out)?.[1]}`);
    }
  }, T);
});

/** Filters both refuse: trace-cmd with "Failed to create event filter" (or a crash), vtrace with one line and exit 2. */
const BAD: [string, string][] = [
  ["sched_switch: prev_pid ==", "Syntax error: the expression is incomplete (at column 25)"],
  ["sched_switch: prev_pid == next_pid", "Syntax error (at column 34)"],
  ["sched_switch: (prev_pid == 1", "Unbalanced number of '(' (at column 28)"],
  ["sched_switch: prev_pid = 1", "Unknown op token = (at column 24)"],
  ["nosuchevent", "no event matches 'nosuchevent'"],
  ['sched_switch: prev_comm == "a,b"', "a ',' after the ':' (at column 30) is not supported: trace-cmd 3.1.6 fails on it too"],
];

describe.skipIf(skipWhy !== undefined)("bad filters", () => {
  test.each(BAD)("%s", async (filter, message) => {
    const file = await corpusFile(CORPUS.schedLocal);
    const [expected, actual] = await Promise.all([traceCmd(["-F", filter, "-i", file]), vtrace(["-F", filter, "-i", file])]);
    expect(expected.code).not.toBe(0);
    expect(expected.out).toBe("");
    expect(actual.out).toBe("");
    expect(actual.code).toBe(2);
    expect(actual.err).toBe(`vtrace report: invalid filter '${filter}': ${message}\n`);
  }, T);

  test("a second -v", async () => {
    const file = await corpusFile(CORPUS.schedLocal);
    const actual = await vtrace(["-v", "-F", "sched", "-v", "-i", file]);
    expect(actual.code).toBe(2);
    expect(actual.err.trim().split("\n")).toEqual([expect.stringContaining("only one -v")]);
  }, T);
});
