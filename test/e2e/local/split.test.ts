// End to end: `vtrace split` against `trace-cmd split` on real recordings: the same part files, each
// reporting the same lines. Where trace-cmd loses records between parts (a part's first record when
// the record that ended the part before came from a CPU that wrote nothing in it) or stops `-r` at the
// first part when END is given, vtrace is checked instead against the whole file: its parts hold
// every record once, in order.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { firstDifference } from "../../helpers/corpus.ts";
import { instanceName, missing, run, skipBecause, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { traceCmd } from "../../helpers/tracecmd.ts";

const skip = skipBecause(missing({ tracefs: true, traceCmd: true, binary: true }), "split e2e");
const T = 120_000;
const dir = tempDir("split");
afterAll(() => dir[Symbol.dispose]());

const files = { v6: join(dir.path, "local-v6.dat"), v7: join(dir.path, "mono-v7.dat") };
const LOAD = ["sh", "-c", "ls -R /usr/lib >/dev/null; sleep 0.1; ls -R /usr/share >/dev/null; sleep 0.1"];

async function record(out: string, args: string[]): Promise<void> {
  const r = await run([VTRACE_BIN, "record", "-B", instanceName("split"), "-e", "sched", "-e", "irq", "-e", "timer", "-o", out, ...args, "--", ...LOAD]);
  if (r.code !== 0) throw new Error(`vtrace record failed: ${r.stderr}`);
}

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

describe.skipIf(skip)("vtrace split (compiled binary) against trace-cmd split", () => {
  beforeAll(async () => {
    await record(files.v6, ["-C", "local"]);
    await record(files.v7, ["-C", "mono", "--file-version", "7"]);
  }, T);

  const cases: [string, "v6" | "v7", string[]][] = [
    ["the whole file", "v6", []],
    ["the first 100 events", "v6", ["-e", "100"]],
    ["every 100 events", "v6", ["-e", "100", "-r"]],
    ["every 500 events, v7", "v7", ["-e", "500", "-r"]],
    ["every page of each CPU", "v6", ["-p", "1", "-r"]],
    ["every 50 events of each CPU", "v6", ["-c", "-e", "50", "-r"]],
    ["CPU 1, every 30 events", "v6", ["-C", "1", "-e", "30", "-r"]],
    ["the first second", "v7", ["-s", "1"]],
  ];
  test.each(cases)("%s: the same parts, reporting the same lines", async (_name, version, args) => {
    const { theirs, ours, parts, theirParts } = await splitBoth(`${version}${args.join("")}`, files[version], args);
    expect(parts).toEqual(theirParts);
    expect(parts.length).toBeGreaterThan(0);
    // Every part costs two trace-cmd reports: the first and last three are compared.
    for (const part of parts.length > 6 ? [...parts.slice(0, 3), ...parts.slice(-3)] : parts) {
      const [expected, actual] = await Promise.all([report(join(theirs, part)), report(join(ours, part))]);
      expect(expected.split("\n").length).toBeGreaterThan(2);
      expect({ part, diff: firstDifference(expected, actual) }).toEqual({ part, diff: undefined });
    }
  }, T);

  test("START and END (seconds, as report prints them): the same records as trace-cmd", async () => {
    const [start, end] = await timesAt(files.v6, 40, 300);
    const { theirs, ours, parts } = await splitBoth("range", files.v6, [start, end]);
    expect(parts).toEqual(["p.1"]);
    const [expected, actual] = await Promise.all([report(join(theirs, "p.1")), report(join(ours, "p.1"))]);
    expect(firstDifference(expected, actual)).toBeUndefined();
    // A contiguous run of the file's records (the printed times are rounded, so the ends may move by one).
    expect(events(actual).length).toBeGreaterThan(250);
    expect(events(await report(files.v6)).join("\n")).toContain(events(actual).join("\n"));
  }, T);

  test.each([["-u", "20000"], ["-m", "10"], ["-e", "77"], ["-c", "-e", "40"], ["-p", "2"]] as string[][])("%s %s -r: the parts hold every record of the file once", async (...args: string[]) => {
    const { ours, parts } = await splitBoth(`all${args.join("")}`, files.v6, [...args, "-r"]);
    expect(parts.length).toBeGreaterThan(2);
    const whole = events(await report(files.v6));
    const joined = (await Promise.all(parts.map((p) => report(join(ours, p))))).flatMap(events);
    // Time and event cuts keep the file's order; per-CPU cuts keep each CPU's order.
    if (args.includes("-c") || args.includes("-p")) expect(joined.sort()).toEqual(whole.sort());
    else expect(joined).toEqual(whole);
  }, T);

  test("-r with END: parts up to END (trace-cmd stops after the first)", async () => {
    const [start, end] = await timesAt(files.v6, 40, 300);
    const { ours, parts } = await splitBoth("repeat-end", files.v6, ["-e", "50", "-r", start, end]);
    expect(parts.length).toBeGreaterThanOrEqual(5);
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
      [["-C", "9"], 1, `vtrace split: ${files.v6} has 2 CPUs: there is no CPU 9`],
    ];
    for (const [args, code, line] of cases) {
      expect(await run([VTRACE_BIN, "split", "-i", files.v6, "-o", out, ...args])).toEqual({ code, stdout: "", stderr: `${line}\n` });
    }
    const missingInput = await run([VTRACE_BIN, "split", "-i", join(dir.path, "nope.dat"), "-o", out]);
    expect(missingInput).toEqual({ code: 1, stdout: "", stderr: `vtrace split: cannot open '${join(dir.path, "nope.dat")}': ENOENT\n` });
    expect(readdirSync(join(dir.path, "bad"))).toEqual([]);
  }, T);
});
