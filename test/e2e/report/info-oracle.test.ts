// report's information-only modes (-e, --events, --event, -E, -f, -P, --check-events, --cpus,
// --first-event, --last-event, --stat, --uname, --version) against `trace-cmd report` 3.1.6: the same
// stdout byte for byte and the same exit status. Runs the vtrace CLI on
// recorded corpus files (needs tracefs and root) and on synthetic files (needs only trace-cmd): the
// corpus keeps all its data in instances, so CPU tables with data come from the synthetic ones.

import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { corpusFile, corpusUnavailable, firstDifference } from "../../helpers/corpus.ts";
import { buildTraceDat, demoEvents, type DemoFile } from "../../unit/tracedat/reader/fixture-builder.ts";
import { EDGE } from "../../unit/report/info/helpers.ts";
import { CORPUS } from "./corpus.ts";

const ROOT = join(import.meta.dir, "..", "..", "..");
const BINARY = join(ROOT, "dist", "vtrace");
/** dist/vtrace when built (VTRACE_FROM_SOURCE=1 runs src/cli.ts instead). */
const VTRACE = existsSync(BINARY) && !process.env.VTRACE_FROM_SOURCE ? [BINARY] : [process.execPath, join(ROOT, "src", "cli.ts")];
const hasTraceCmd = Bun.which("trace-cmd") !== null;
const corpusWhy = corpusUnavailable();
if (corpusWhy) console.log(`skipping info-mode corpus oracle: ${corpusWhy}`);
if (!hasTraceCmd) console.log("skipping info-mode synthetic oracle: trace-cmd is not installed");

/** A report command line's info options (the same for trace-cmd and vtrace). */
interface Case {
  args: string[];
  /** Some modes legitimately print nothing (v7 --events) or one line: the least trace-cmd must print. */
  minBytes: number;
}

const MODES: Case[] = [
  { args: ["-e"], minBytes: 40 },
  { args: ["--events"], minBytes: 0 },
  { args: ["--event", "sched"], minBytes: 0 },
  { args: ["--event", "sched:sched_sw"], minBytes: 0 },
  { args: ["-E"], minBytes: 10 },
  { args: ["-f"], minBytes: 0 },
  { args: ["-P"], minBytes: 0 },
  { args: ["--check-events"], minBytes: 0 },
  { args: ["--cpus"], minBytes: 20 },
  { args: ["--first-event", "--last-event"], minBytes: 20 },
  { args: ["--last-event", "-t"], minBytes: 20 },
  { args: ["--stat"], minBytes: 100 },
  { args: ["--uname"], minBytes: 10 },
  { args: ["--version"], minBytes: 10 },
  { args: ["--stat", "--uname", "-f", "-e"], minBytes: 40 },
];

/** trace-cmd's stdout and exit status. */
async function oracle(args: string[]): Promise<{ text: string; code: number }> {
  const p = Bun.spawn(["trace-cmd", "report", ...args], { stdout: "pipe", stderr: "ignore" });
  const [text, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
  return { text, code };
}

/** vtrace's stdout and exit status (the compiled binary when built). */
async function vtrace(args: string[]): Promise<{ text: string; code: number }> {
  const p = Bun.spawn([...VTRACE, "report", ...args], { stdout: "pipe", stderr: "ignore" });
  const [text, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
  return { text, code };
}

async function expectSame(paths: string[], c: Case): Promise<void> {
  const args = [...c.args, ...paths.flatMap((p) => ["-i", p])];
  const [expected, actual] = await Promise.all([oracle(args), vtrace(args)]);
  expect(expected.text.length).toBeGreaterThanOrEqual(c.minBytes);
  const diff = firstDifference(expected.text, actual.text);
  if (diff) console.log(`${c.args.join(" ")} ${paths.join(" ")}: ${diff}`);
  expect(diff).toBeUndefined();
  expect(actual.code).toBe(expected.code);
}

describe.skipIf(corpusWhy !== undefined)("info modes on recorded files match trace-cmd", () => {
  const files: [string, keyof typeof CORPUS, "v6" | "zstd" | "none"][] = [
    ["sched v6", "schedLocal", "v6"],
    ["sched v7 zstd", "schedLocal", "zstd"],
    ["all events v7 zstd", "allLocal", "zstd"],
    ["all events v6", "allLocal", "v6"],
    ["two instances v6", "twoBuffers", "v6"],
    ["two instances v7 zstd", "twoBuffers", "zstd"],
  ];
  test.each(files)("%s: every mode", async (_name, spec, variant) => {
    const path = await corpusFile(CORPUS[spec], variant);
    for (const c of MODES) await expectSame([path], c);
    // The corpus records every event format and the whole kallsyms: these must be big.
    expect((await oracle(["-E", "-i", path])).text.split("\n").length).toBeGreaterThan(100);
    expect((await oracle(["-f", "-i", path])).text.split("\n").length).toBeGreaterThan(1000);
  }, 180_000);

  test("several -i files: a list per file for --cpus, a prefixed cpus= line per file, the first file only for the rest", async () => {
    const paths = [await corpusFile(CORPUS.schedLocal, "zstd"), await corpusFile(CORPUS.twoBuffers, "v6")];
    for (const c of MODES) await expectSame(paths, c);
    expect((await oracle(["--version", ...paths.flatMap((p) => ["-i", p])])).text.split("cpus=").length).toBe(3);
  }, 180_000);
});

describe.skipIf(!hasTraceCmd)("info modes on synthetic files match trace-cmd", () => {
  const te = new TextEncoder();
  const ev = demoEvents(300);
  const withData: Omit<DemoFile, "version"> = {
    ...EDGE,
    buffers: [{ name: "", cpus: [ev[0]!, [], ev[1]!] }, { name: "inst", cpus: demoEvents(40, 1_000_010_000n) }],
    eventsPerPage: 37,
    extraOptions: [
      { id: 2, data: te.encode("CPU: 0\nentries: 0\n\0") },
      { id: 5, data: te.encode("Linux x 6.1 x86_64\0") },
      { id: 9, data: te.encode("3.1.6 test\0") },
    ],
  };
  const variants: [string, DemoFile][] = [
    ["v6", { version: 6, ...withData }],
    ["v6 big-endian", { version: 6, littleEndian: false, ...withData }],
    ["v7 none", { version: 7, compression: "none", ...withData }],
    ["v7 zstd", { version: 7, compression: "zstd", ...withData }],
    ["v6 x86-tsc counter", { version: 6, clock: "local [x86-tsc]", ...withData }],
  ];
  const edgeModes: Case[] = [
    ...MODES,
    ...[":beta", "ALPHA", "irq:", "al.*:b", "\\(bad", "zz:sched_switch"].map((r) => ({ args: ["--event", r], minBytes: 0 })),
    { args: ["--first-event", "--raw-ts"], minBytes: 20 },
  ];

  test.each(variants)("%s: every mode, edge-case formats, kallsyms and printk", async (_name, file) => {
    const dir = mkdtempSync(join(tmpdir(), "vtrace-info-"));
    try {
      const path = join(dir, "s.dat");
      writeFileSync(path, buildTraceDat(file));
      for (const c of edgeModes) await expectSame([path], c);
      expect((await oracle(["--check-events", "-i", path])).code).toBe(22);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test("several -i files with stats and without", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vtrace-info-multi-"));
    try {
      const a = join(dir, "a.dat");
      const b = join(dir, "longer-name.dat");
      writeFileSync(a, buildTraceDat({ version: 7, compression: "zstd", ...withData }));
      writeFileSync(b, buildTraceDat({ version: 6, buffers: [{ name: "", cpus: demoEvents(5) }] }));
      for (const c of MODES) await expectSame([a, b], c);
      for (const c of MODES) await expectSame([b, a], c);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
