// End to end: `vtrace convert` (as trace-cmd convert) on real recordings: every conversion keeps what
// trace-cmd report prints (instances, lost events, clocks), v6 → v7 → v6 gives the original bytes
// back, and bad input is one line with nothing left behind.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { corpusFile, firstDifference, type Variant } from "../../helpers/corpus.ts";
import { instanceName, missing, run, skipBecause, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { kernelSharkMissing, openInKernelShark } from "../../helpers/kernelshark.ts";
import { traceCmd } from "../../helpers/tracecmd.ts";
import { CORPUS } from "../report/corpus.ts";

const skip = skipBecause(missing({ tracefs: true, traceCmd: true, binary: true }), "convert e2e");
const T = 120_000;
const dir = tempDir("convert");
afterAll(() => dir[Symbol.dispose]());

const convert = (args: string[]) => run([VTRACE_BIN, "convert", ...args]);

/** trace-cmd report of the input and of the output are the same, and so is vtrace report of the output. */
async function expectSameReport(input: string, output: string): Promise<void> {
  const [before, after, ours] = await Promise.all([traceCmd(["report", "-i", input]), traceCmd(["report", "-i", output]), run([VTRACE_BIN, "report", "-i", output])]);
  expect(before.stdout.split("\n").length).toBeGreaterThan(50);
  expect(firstDifference(before.stdout, after.stdout)).toBeUndefined();
  expect(firstDifference(before.stdout, ours.stdout)).toBeUndefined();
}

/** The version digit after the magic "\x17\x08\x44tracing". */
const VERSION = (file: string) => String.fromCharCode(readFileSync(file)[10]!);

describe.skipIf(skip)("vtrace convert (compiled binary, trace-cmd as the reader)", () => {
  let recorded = "";
  beforeAll(async () => {
    recorded = join(dir.path, "rec-v6.dat");
    const r = await run([VTRACE_BIN, "record", "-B", instanceName("conv"), "-e", "sched", "-e", "irq", "-o", recorded, "--", "sh", "-c", "ls -R /usr/lib >/dev/null"]);
    expect(r.code).toBe(0);
  }, T);

  const corpus: [string, keyof typeof CORPUS, Variant, string[]][] = [
    ["two instances, v7 zstd → v6", "twoBuffers", "zstd", ["--file-version", "6"]],
    ["two instances, v6 → v7 zstd (the default)", "twoBuffers", "v6", []],
    ["lost events, v7 zstd → v7 uncompressed", "lost", "zstd", ["--compression", "none"]],
    ["x86-tsc clock, v7 zstd → v6", "tsc", "zstd", ["--file-version", "6"]],
    ["counter clock, v6 → v7 zlib (vtrace reads it; Debian's trace-cmd has no zlib)", "counter", "v6", ["--compression", "zlib"]],
  ];
  test.each(corpus)("%s: the same report", async (name, spec, variant, args) => {
    const input = await corpusFile(CORPUS[spec], variant);
    const output = join(dir.path, `${spec}-${variant}-${args.join("")}.dat`);
    const r = await convert(["-i", input, "-o", output, ...args]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^${output}: \\d+ pages in \\d+ buffers?\\n$`));
    if (args.includes("zlib")) {
      const [before, ours] = await Promise.all([traceCmd(["report", "-i", input]), run([VTRACE_BIN, "report", "-i", output])]);
      expect(firstDifference(before.stdout, ours.stdout)).toBeUndefined();
      expect(readFileSync(output).includes("zlib\0")).toBe(true);
    } else {
      await expectSameReport(input, output);
    }
    expect(VERSION(output)).toBe(args.includes("6") ? "6" : "7");
  }, T);

  test("a vtrace recording: v6 → v7 zstd → v6 gives the original bytes back; the v7 copy is smaller and opens in KernelShark", async () => {
    const v7 = join(dir.path, "rt.v7.dat");
    const v6 = join(dir.path, "rt.v6.dat");
    expect((await convert(["-i", recorded, v7])).code).toBe(0);
    expect((await convert(["-i", v7, "-o", v6, "--file-version", "6"])).code).toBe(0);
    expect(Buffer.compare(readFileSync(v6), readFileSync(recorded))).toBe(0);
    expect(readFileSync(v7).length).toBeLessThan(readFileSync(recorded).length / 2);
    await expectSameReport(recorded, v7);
    if (!kernelSharkMissing()) expect(await openInKernelShark(v7)).toEqual({ loaded: true });
  }, T);

  test("bad input: one line, no output left behind", async () => {
    const cut = join(dir.path, "cut.dat");
    writeFileSync(cut, readFileSync(recorded).subarray(0, 100_000));
    const before = readdirSync(dir.path);
    const cases: [string[], number, RegExp][] = [
      [["-i", cut, "-o", join(dir.path, "cut-out.dat")], 1, /^vtrace convert: .*cut\.dat: cannot read .* at offset \d+/],
      [["-i", join(dir.path, "nope.dat"), "-o", join(dir.path, "x.dat")], 1, /^vtrace convert: cannot open '.*nope.dat': ENOENT$/],
      [["-i", recorded], 2, /^vtrace convert: no output file/],
      [["-i", recorded, recorded], 2, /^vtrace convert: the output '.*' is the input file$/],
      [["-i", recorded, "-o", join(dir.path, "y.dat"), "--file-version", "6", "--compression", "zstd"], 2, /^vtrace convert: --compression needs --file-version 7/],
      [["-i", recorded, "-o", join(dir.path, "y.dat"), "--file-version", "8"], 2, /^vtrace convert: invalid --file-version/],
    ];
    for (const [args, code, message] of cases) {
      const r = await convert(args);
      expect({ args, code: r.code, lines: r.stderr.trim().split("\n").length }).toEqual({ args, code, lines: 1 });
      expect(r.stderr.trim()).toMatch(message);
    }
    expect(readdirSync(dir.path).sort()).toEqual(before.sort());
    expect(existsSync(join(dir.path, "cut-out.dat"))).toBe(false);
  }, T);
});
