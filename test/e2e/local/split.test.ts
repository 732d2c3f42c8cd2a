// End to end: `vtrace split` against `trace-cmd split` on real recordings: the same part files, each
// reporting the same lines. trace-cmd 3.1.6 loses records between parts of an all-CPU `-r` split (the
// record that ended a part, when its CPU wrote nothing in that part) and stops `-r` after the first
// part when END is given; there vtrace is checked against the whole file (every record once, in
// order) and against trace-cmd's first part. Units are sized from the recording (~5 parts a split).

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { firstDifference } from "../../helpers/corpus.ts";
import { missing, run, skipBecause, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { recordPair, SMALL_LOAD, type Recordings } from "../../helpers/recordings.ts";
import { openFileSource } from "../../../src/io/file-source.ts";
import { openTraceDat } from "../../../src/tracedat/reader/open.ts";
import { traceCmd } from "../../helpers/tracecmd.ts";

const skip = skipBecause(missing({ tracefs: true, traceCmd: true, binary: true }), "split e2e");
const T = 120_000;
const dir = tempDir("split");
// Parts carry the whole metadata (~1-5 MB each): each test's folders go as soon as it ends.
afterEach(() => {
  for (const f of readdirSync(dir.path)) if (/-(tc|vt)$/.test(f)) rmSync(join(dir.path, f), { recursive: true, force: true });
}, 60_000);
afterAll(() => dir[Symbol.dispose](), 60_000);

/** Recorded once: the top buffer holds the data (what --align-ts looks at), v6 local and v7 mono. */
let files: Recordings = { v6: "", v7: "" };

/** Splits `input` with each tool into its own folder; returns the part names and both folders. */
async function splitBoth(name: string, input: string, args: string[]) {
  const theirs = join(dir.path, `${name}-tc`);
  const ours = join(dir.path, `${name}-vt`);
  await run(["mkdir", "-p", theirs, ours]);
  await traceCmd(["split", "-i", input, "-o", join(theirs, "p"), ...args]);
  const r = await run([VTRACE_BIN, "split", "-i", input, "-o", join(ours, "p"), ...args]);
  expect(r.code).toBe(0);
  return { theirs, ours, parts: readdirSync(ours).sort(), theirParts: readdirSync(theirs).sort() };
}

const report = async (file: string) => (await traceCmd(["report", "-i", file])).stdout;

/** Event lines without the task column (a comm a part cannot learn may differ): "[cpu] time: event info". */
const events = (text: string) => text.split("\n").slice(1).filter((l) => l !== "").map((l) => l.slice(l.indexOf("[")));

/** The first and the last time of a report's event lines, at line `from` and `to`. */
async function timesAt(file: string, from: number, to: number): Promise<[string, string]> {
  const lines = (await report(file)).split("\n");
  const time = (l: string) => /\] +(\d+\.\d{6}):/.exec(l)![1]!;
  return [time(lines[from]!), time(lines[to]!)];
}

/** Records and pages of a file's top buffer, to size the cuts. */
interface Sizes {
  events: number;
  /** Pages of the CPU with the most. */
  pages: number;
  /** Nanoseconds from the first record to the last. */
  spanNs: number;
}

let sizes: Record<"v6" | "v7", Sizes>;

async function sizesOf(file: string): Promise<Sizes> {
  const lines = events(await report(file));
  using src = openFileSource(file);
  const dat = openTraceDat(src);
  const pages = Math.max(...dat.buffers[0]!.cpus.map((c) => c.size / dat.params.pageSize));
  const ns = (l: string) => Number(/\] +(\d+\.\d{6}):/.exec(l)![1]) * 1e9;
  return { events: lines.length, pages: Math.ceil(pages), spanNs: ns(lines.at(-1)!) - ns(lines[0]!) };
}

const fifth = (n: number) => String(Math.max(1, Math.ceil(n / 5)));

describe.skipIf(skip)("vtrace split (compiled binary) against trace-cmd split", () => {
  beforeAll(async () => {
    files = await recordPair(dir.path, SMALL_LOAD);
    sizes = { v6: await sizesOf(files.v6), v7: await sizesOf(files.v7) };
    console.log(`split e2e: ${sizes.v6.events} events in the v6 recording, ${sizes.v7.events} in the v7 one`);
  }, T);

  const cases: [string, "v6" | "v7", (s: Sizes) => string[]][] = [
    ["the whole file", "v6", () => []],
    ["the first fifth of the events", "v6", (s) => ["-e", fifth(s.events)]],
    ["the first fifth of the events, v7", "v7", (s) => ["-e", fifth(s.events)]],
    ["the first second", "v7", () => ["-s", "1"]],
    ["every fifth of the pages of each CPU", "v6", (s) => ["-p", fifth(s.pages), "-r"]],
    ["every tenth of the events, each CPU on its own", "v6", (s) => ["-c", "-e", fifth(s.events / 2), "-r"]],
    ["CPU 1, every fifth of the events", "v6", (s) => ["-C", "1", "-e", fifth(s.events / 2), "-r"]],
  ];
  test.each(cases)("%s: the same parts, reporting the same lines", async (_name, version, argsFor) => {
    const args = argsFor(sizes[version]);
    const { theirs, ours, parts, theirParts } = await splitBoth(`${version}${args.join("")}`, files[version], args);
    expect(parts).toEqual(theirParts);
    expect(parts.length).toBeGreaterThan(0);
    for (const part of parts) {
      const [expected, actual] = await Promise.all([report(join(theirs, part)), report(join(ours, part))]);
      expect(expected.split("\n").length).toBeGreaterThan(2);
      expect({ args, part, diff: firstDifference(expected, actual) }).toEqual({ args, part, diff: undefined });
    }
  }, T);

  test("START and END (seconds, as report prints them): the same records as trace-cmd", async () => {
    const [start, end] = await timesAt(files.v6, 40, sizes.v6.events - 40);
    const { theirs, ours, parts } = await splitBoth("range", files.v6, [start, end]);
    expect(parts).toEqual(["p.1"]);
    const [expected, actual] = await Promise.all([report(join(theirs, "p.1")), report(join(ours, "p.1"))]);
    expect(firstDifference(expected, actual)).toBeUndefined();
    // A contiguous run of the file's records (the printed times are rounded, so the ends may move by one).
    expect(events(actual).length).toBeGreaterThan(sizes.v6.events - 90);
    expect(events(await report(files.v6)).join("\n")).toContain(events(actual).join("\n"));
  }, T);

  const repeats: [string, (s: Sizes) => string[]][] = [
    ["every fifth of the time (µs)", (s) => ["-u", fifth(s.spanNs / 1000)]],
    ["every fifth of the time (ms)", (s) => ["-m", fifth(s.spanNs / 1e6)]],
    ["every fifth of the events", (s) => ["-e", fifth(s.events)]],
  ];
  test.each(repeats)("all CPUs, %s, -r: every record once, in order; the first part as trace-cmd's", async (_name, argsFor) => {
    const args = [...argsFor(sizes.v6), "-r"];
    const { theirs, ours, parts } = await splitBoth(`all${args.join("")}`, files.v6, args);
    expect(parts.length).toBeGreaterThan(2);
    const joined = (await Promise.all(parts.map((p) => report(join(ours, p))))).flatMap(events);
    expect(joined).toEqual(events(await report(files.v6)));
    expect(firstDifference(await report(join(theirs, parts[0]!)), await report(join(ours, parts[0]!)))).toBeUndefined();
  }, T);

  test("-r with END: parts up to END (trace-cmd stops after the first)", async () => {
    const [start, end] = await timesAt(files.v6, 40, sizes.v6.events - 40);
    const { ours, parts } = await splitBoth("repeat-end", files.v6, ["-e", fifth(sizes.v6.events), "-r", start, end]);
    expect(parts.length).toBeGreaterThanOrEqual(4);
    const joined = (await Promise.all(parts.map((p) => report(join(ours, p))))).flatMap(events);
    const range = await splitBoth("one-range", files.v6, [start, end]);
    expect(joined).toEqual(events(await report(join(range.ours, "p.1"))));
  }, T);

  test("bad input: one line, no parts", async () => {
    const out = join(dir.path, "bad", "p");
    await run(["mkdir", "-p", join(dir.path, "bad")]);
    const cases: [string[], number, string][] = [
      [["-e", "10", "-s", "1"], 2, "vtrace split: give one of -s, -m, -u, -e, -p"],
      [["-e", "0"], 2, "vtrace split: invalid -e '0': expected an integer from 1 to 2147483647"],
      [["5", "4"], 2, "vtrace split: end is before start"],
      [["soon"], 2, "vtrace split: invalid start 'soon': expected seconds such as 75678.923853"],
      [["-C", "9"], 1, `vtrace split: ${files.v6}: there is no CPU 9 (the file has 2)`],
    ];
    for (const [args, code, line] of cases) {
      expect(await run([VTRACE_BIN, "split", "-i", files.v6, "-o", out, ...args])).toEqual({ code, stdout: "", stderr: `${line}\n` });
    }
    const missingInput = await run([VTRACE_BIN, "split", "-i", join(dir.path, "nope.dat"), "-o", out]);
    expect(missingInput).toEqual({ code: 1, stdout: "", stderr: `vtrace split: cannot open '${join(dir.path, "nope.dat")}': ENOENT\n` });
    expect(readdirSync(join(dir.path, "bad"))).toEqual([]);
  }, T);
});
