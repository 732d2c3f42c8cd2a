// End to end: `vtrace dump <option>` prints byte for byte what `trace-cmd dump <option>` 3.1.6 prints,
// with the same exit status, for every option, on recorded files (v6 and v7 zstd, instances, lost
// events) and synthetic ones (big-endian, 4-byte long); zlib is checked without the oracle (Debian's
// trace-cmd is built without zlib and refuses the file). Damaged input: the same stdout, one stderr line.

import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { corpusFile, corpusUnavailable, firstDifference, type Variant } from "../../helpers/corpus.ts";
import { missing, skipBecause, tempDir, VTRACE_BIN, VTRACE_SRC } from "../../helpers/env.ts";
import { CORPUS } from "../report/corpus.ts";
import { buildTraceDat, demoFile, type DemoFile } from "../../unit/tracedat/reader/fixture-builder.ts";

const VTRACE = existsSync(VTRACE_BIN) ? [VTRACE_BIN] : VTRACE_SRC;
const T = 180_000;
const OPTIONS = [[], ["--summary"], ["--head-page"], ["--head-event"], ["--ftrace-events"], ["--systems"], ["--events"], ["--kallsyms"], ["--printk"],
  ["--cmd-lines"], ["--options"], ["--flyrecord"], ["--clock"], ["--strings"], ["--sections"], ["--all"], ["-v"], ["-v", "--options", "--flyrecord"]];

const noTraceCmd = skipBecause(missing({ traceCmd: true }), "dump e2e (synthetic files)");
const corpusWhy = corpusUnavailable();
const noCorpus = skipBecause(corpusWhy, "dump e2e (recorded corpus)");
const dir = tempDir("dump");
afterAll(() => dir[Symbol.dispose]());

interface Ran {
  code: number;
  stdout: Uint8Array;
  stderr: string;
}

async function runBytes(argv: string[]): Promise<Ran> {
  const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [out, stderr, code] = await Promise.all([new Response(proc.stdout).arrayBuffer(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout: new Uint8Array(out), stderr };
}

const latin1 = (b: Uint8Array) => Buffer.from(b).toString("latin1");

/**
 * Runs both on `file` with each option set: stdout bytes and exit codes must agree. Some options print
 * nothing for some files (--strings on v6), so what must be substantial is the default and --all.
 */
async function expectSameDumps(file: string): Promise<void> {
  for (const opts of OPTIONS) {
    const [ours, theirs] = await Promise.all([runBytes([...VTRACE, "dump", ...opts, "-i", file]), runBytes(["trace-cmd", "dump", ...opts, "-i", file])]);
    expect({ opts, code: ours.code, stderr: ours.stderr }).toEqual({ opts, code: theirs.code, stderr: "" });
    if (opts.length === 0 || opts[0] === "--all") expect(ours.stdout.length).toBeGreaterThan(opts.length ? 1000 : 300);
    expect({ opts, diff: firstDifference(latin1(theirs.stdout), latin1(ours.stdout)) }).toEqual({ opts, diff: undefined });
  }
}

function syntheticFile(name: string, variant: Omit<DemoFile, "buffers">): string {
  const path = join(dir.path, `${name}.dat`);
  writeFileSync(path, buildTraceDat(demoFile({ ...variant, kallsyms: "ffffffff81000000 T _stext\n", printk: '0xffffffff81000000 : "hello"\n' })));
  return path;
}

describe.skipIf(noCorpus)("vtrace dump against trace-cmd dump on recorded files", () => {
  const files: [string, keyof typeof CORPUS, Variant][] = [
    ["one instance, v6", "schedLocal", "v6"],
    ["one instance, v7 zstd", "schedLocal", "zstd"],
    ["two instances, v6", "twoBuffers", "v6"],
    ["two instances, v7 zstd", "twoBuffers", "zstd"],
    ["lost events, v7 zstd", "lost", "zstd"],
  ];
  test.each(files)("%s: every option", async (_, spec, variant) => expectSameDumps(await corpusFile(CORPUS[spec], variant)), T);
});

describe.skipIf(noTraceCmd)("vtrace dump against trace-cmd dump on synthetic files", () => {
  const files: [string, Omit<DemoFile, "buffers">][] = [
    ["v6-big-endian-long4", { version: 6, littleEndian: false, longSize: 4 }],
    ["v7-zstd-big-endian-long4", { version: 7, compression: "zstd", littleEndian: false, longSize: 4 }],
    ["v7-uncompressed", { version: 7, compression: "none" }],
  ];
  test.each(files)("%s: every option", async (name, variant) => expectSameDumps(syntheticFile(name, variant)), T);

  test.each([["--head-page"], ["--cmd-lines", "--ftrace-events"], []])("the file as an argument after %j, as trace-cmd takes it", async (...opts) => {
    const path = syntheticFile("positional", { version: 6 });
    const [ours, theirs] = await Promise.all([runBytes([...VTRACE, "dump", ...opts, path]), runBytes(["trace-cmd", "dump", ...opts, path])]);
    expect(ours.stdout.length).toBeGreaterThan(30);
    expect({ code: ours.code, diff: firstDifference(latin1(theirs.stdout), latin1(ours.stdout)) }).toEqual({ code: 0, diff: undefined });
  });

  test("a cut file: the same stdout up to where both stop, then one stderr line and exit 1 (trace-cmd: 255)", async () => {
    const whole = buildTraceDat(demoFile({ version: 7, compression: "zstd" }));
    const path = join(dir.path, "cut.dat");
    writeFileSync(path, whole.subarray(0, 700));
    const [ours, theirs] = await Promise.all([runBytes([...VTRACE, "dump", "--all", path]), runBytes(["trace-cmd", "dump", "--all", path])]);
    expect(theirs.code).not.toBe(0);
    expect(ours.stdout.length).toBeGreaterThan(100);
    expect(firstDifference(latin1(theirs.stdout), latin1(ours.stdout))).toBeUndefined();
    expect({ code: ours.code, lines: ours.stderr.trim().split("\n").length }).toEqual({ code: 1, lines: 1 });
    expect(ours.stderr).toMatch(/^vtrace dump: .*cut\.dat: cannot read .* at offset \d+\n$/);
  });
});

describe("vtrace dump without the oracle", () => {
  test("a zlib v7 file dumps as its zstd twin does, apart from the algorithm and section sizes", async () => {
    const dumpOf = (c: "zlib" | "zstd") => runBytes([...VTRACE, "dump", "--summary", "--options", "--cmd-lines", syntheticFile(`twin-${c}`, { version: 7, compression: c })]);
    const [zlib, zstd] = await Promise.all([dumpOf("zlib"), dumpOf("zstd")]);
    // Offsets and sizes differ with the compressor; what the metadata sections hold does not.
    const same = (r: Ran) => latin1(r.stdout).replace(/^[^]*options\]\n/, "").replace(/^\t\[Section .*\n/gm, "");
    expect(zlib.code).toBe(0);
    expect(latin1(zlib.stdout)).toContain("\t\tzlib\t[Compression algorithm]\n");
    expect(same(zlib)).toContain("42 bash\n7 worker\n\n\t[Trace printk, 29 bytes]\n\t[Kallsyms, 26 bytes]\n");
    expect(same(zlib)).toBe(same(zstd));
  }, T);

  test.each([
    [["dump", "-i", "/nonexistent/x.dat"], 1, "vtrace dump: cannot open '/nonexistent/x.dat': ENOENT\n"],
    [["dump", "/tmp"], 1, "vtrace dump: cannot read '/tmp': EISDIR\n"],
    [["dump", "-i", "a.dat", "b.dat"], 2, "vtrace dump: give the input as -i FILE or as 'dump b.dat', not both\n"],
    [["dump", "--head-page", "a.dat", "--cmd-lines", "b.dat"], 2, "vtrace dump: more than one input file: 'a.dat', 'b.dat'\n"],
  ])("%j → one stderr line, exit %i", async (args, code, stderr) => {
    const r = await runBytes([...VTRACE, ...args]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code, stderr });
  });
});
