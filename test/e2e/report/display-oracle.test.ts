// `vtrace report` display options against `trace-cmd report` 3.1.6 on real recordings: --ts-diff,
// --ts2secs, --align-ts, --nodate, -I, -S, -w, -r, -n, -q. Identical stdout, and each option must change the
// output (so a case cannot pass by ignoring it), except where trace-cmd itself leaves it unchanged.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { TRACECMD_OPTION_DATE } from "../../../src/tracedat/model.ts";
import { corpusFile, firstDifference } from "../../helpers/corpus.ts";
import { missing, run, skipBecause, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { recordPair, type Recordings } from "../../helpers/recordings.ts";
import { traceCmd } from "../../helpers/tracecmd.ts";
import { buildTraceDat, demoEvents } from "../../unit/tracedat/reader/fixture-builder.ts";
import { CORPUS } from "./corpus.ts";

const skip = skipBecause(missing({ tracefs: true, traceCmd: true, binary: true }), "report display options vs trace-cmd");
const T = 120_000;
const dir = tempDir("report-display");
afterAll(() => dir[Symbol.dispose]());

/** Recorded once: the top buffer holds the data (what --align-ts looks at), v6 local and v7 mono. */
let files: Recordings = { v6: "", v7: "" };

async function vtrace(args: string[]) {
  return run([VTRACE_BIN, "report", ...args]);
}

/** Same stdout as trace-cmd; and, unless `unchanged`, not the output without the options. */
async function compare(options: string[], inputs: string[], unchanged = false): Promise<string> {
  const args = [...options, ...inputs];
  const [expected, actual] = await Promise.all([traceCmd(["report", ...args]), vtrace(args)]);
  const diff = firstDifference(expected.stdout, actual.stdout);
  if (diff) console.log(`vtrace report ${args.join(" ")}: ${diff}`);
  expect(diff).toBeUndefined();
  expect(actual.code).toBe(0);
  const plain = (await traceCmd(["report", ...inputs])).stdout;
  if (!unchanged) expect(expected.stdout).not.toBe(plain);
  return actual.stdout;
}

describe.skipIf(skip)("report display options match trace-cmd", () => {
  beforeAll(async () => {
    files = await recordPair(dir.path);
  }, T);

  const single: [string, string[]][] = [
    ["--ts-diff", ["--ts-diff"]],
    ["--ts-diff -t", ["--ts-diff", "-t"]],
    ["--ts-diff --raw-ts (trace-cmd still rounds the difference to µs)", ["--ts-diff", "--raw-ts"]],
    ["--ts2secs 2 GHz", ["--ts2secs", "2000000000"]],
    ["--ts2secs 3 GHz --ts-diff (the difference is no longer rounded)", ["--ts2secs", "3000000000", "--ts-diff"]],
    ["--ts2secs 1000 -t (past 2^64 trace-cmd prints 0)", ["--ts2secs", "1000", "-t"]],
    ["--align-ts", ["--align-ts"]],
    ["--align-ts -t", ["--align-ts", "-t"]],
    ["-I", ["-I"]],
    ["-S", ["-S"]],
    ["-I -S --ts-diff", ["-I", "-S", "--ts-diff"]],
    ["-w", ["-w"]],
    ["-w -t", ["-w", "-t"]],
    ["-r sched_switch (raw fields for one event)", ["-r", "sched_switch"]],
    ["-r IRQ (a system, case-insensitive)", ["-r", "IRQ"]],
    ["-n sched (no sched plugin: print fmts, and no comms learned)", ["-n", "sched"]],
    ["-n hrtimer_.* -r sched_w.*", ["-n", "hrtimer_.*", "-r", "sched_w.*"]],
  ];
  for (const version of ["v6", "v7"] as const) {
    test.each(single)(`${version}: %s`, async (_name, options) => {
      await compare(options, ["-i", files[version]]);
    }, T);
  }

  test("-w marks the sched_switch lines that end a wait and ends with the totals", async () => {
    const out = await compare(["-w"], ["-i", files.v6]);
    expect(out).toMatch(/sched_switch: .* Latency: \d+\.\d{3} usecs\n/);
    expect(out).toMatch(/\nAverage wakeup latency: \d+\.\d{3} usecs\nMaximum Latency: .* at timestamp: \d+\.\d{6}\n/);
  }, T);

  test("two files: --ts-diff across them, --align-ts to the earlier, --ts2secs before and after the second -i", async () => {
    const both = ["-i", files.v6, "-i", files.v7];
    await compare(["--ts-diff"], both);
    await compare(["--align-ts"], both);
    await compare(["--align-ts"], ["-i", files.v7, "-i", files.v6, "--ts-offset", "1000000"]);
    await compare(["--ts2secs", "500000000"], [...both, "--ts2secs", "2000000000"]);
  }, T);

  test("a file whose top buffer is empty (instances only): --align-ts changes nothing, as in trace-cmd", async () => {
    const file = await corpusFile(CORPUS.twoBuffers);
    await compare(["--align-ts"], ["-i", file], true);
    await compare(["--ts-diff", "-I"], ["-i", file]);
  }, T);

  test("--nodate drops the DATE offset", async () => {
    const path = join(dir.path, "date.dat");
    const date = new TextEncoder().encode("0x2540be400\0"); // 10,000 s in µs
    writeFileSync(path, buildTraceDat({ version: 6, buffers: [{ name: "", cpus: demoEvents(20) }], extraOptions: [{ id: TRACECMD_OPTION_DATE, data: date }] }));
    const out = await compare(["--nodate"], ["-i", path]);
    expect((await vtrace(["-i", path])).stdout).toMatch(/ 100\d\d\.\d{6}: /);
    expect(out).not.toMatch(/ 100\d\d\.\d{6}: /);
  }, T);
});

describe.skipIf(skip)("report display options: bad input", () => {
  test("-w with two inputs, a bad --ts2secs: one line, exit 2", async () => {
    const path = join(dir.path, "small.dat");
    writeFileSync(path, buildTraceDat({ version: 6, buffers: [{ name: "", cpus: demoEvents(2) }] }));
    expect(await vtrace(["-w", "-i", path, "-i", path])).toEqual({ code: 2, stdout: "", stderr: "vtrace report: -w (wakeup latency) works on a single input file\n" });
    for (const bad of ["abc", "0", "-5"]) {
      expect(await vtrace(["--ts2secs", bad, "-i", path])).toEqual({ code: 2, stdout: "", stderr: `vtrace report: invalid --ts2secs '${bad}': expected a frequency in Hz\n` });
    }
  });

  test("-q silences warnings", async () => {
    const path = join(dir.path, "warn.dat");
    writeFileSync(path, buildTraceDat({ version: 6, buffers: [{ name: "", cpus: demoEvents(2) }], extraOptions: [{ id: 999, data: new Uint8Array(4) }] }));
    const loud = await vtrace(["-i", path]);
    expect(loud.stderr).toContain("warning");
    expect(await vtrace(["-q", "-i", path])).toEqual({ ...loud, stderr: "" });
  });
});
