// `vtrace report` against `trace-cmd report` (3.1.6) on real recordings: identical stdout.
// Layout tests compare the line up to the event info (this module's job); full tests compare
// everything and need src/events (the info text).

import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { corpusFile, corpusUnavailable, firstDifference, layoutOnly, traceCmdReport, type Variant } from "../../helpers/corpus.ts";
import { CORPUS } from "./corpus.ts";

const ROOT = join(import.meta.dir, "..", "..", "..");
const CLI = join(ROOT, "src", "cli.ts");
const skipWhy = corpusUnavailable();
const eventsReady = existsSync(join(ROOT, "src", "events", "index.ts"));
if (skipWhy) console.log(`skipping report oracle tests: ${skipWhy}`);
if (!eventsReady) console.log("report oracle: full-text comparisons skipped until src/events/index.ts exists");

async function vtraceReport(args: string[]): Promise<{ out: string; err: string; code: number }> {
  const p = Bun.spawn([process.execPath, CLI, "report", ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { out, err, code };
}

async function compare(args: string[], full: boolean): Promise<void> {
  const [expected, actual] = await Promise.all([traceCmdReport(args), vtraceReport(args)]);
  expect(actual.err).not.toContain("internal error");
  const diff = full ? firstDifference(expected, actual.out) : firstDifference(layoutOnly(expected), layoutOnly(actual.out));
  if (diff) console.log(`vtrace report ${args.join(" ")}: ${diff}`);
  expect(diff).toBeUndefined();
  expect(actual.code).toBe(0);
  expect(expected.startsWith("cpus=") || expected.includes(": cpus=")).toBe(true);
}

const T = 120_000;
const CASES: [string, keyof typeof CORPUS, Variant, string[]][] = [
  ["sched local zstd", "schedLocal", "zstd", []],
  ["sched local v6", "schedLocal", "v6", []],
  ["sched local v7 none", "schedLocal", "none", []],
  ["*:* local zstd", "allLocal", "zstd", []],
  ["*:* local v6", "allLocal", "v6", []],
  ["*:* local none", "allLocal", "none", []],
  ["mono clock", "mono", "zstd", []],
  ["x86-tsc clock", "tsc", "zstd", []],
  ["x86-tsc clock v6", "tsc", "v6", []],
  ["x86-tsc -t", "tsc", "zstd", ["-t"]],
  ["x86-tsc --raw-ts", "tsc", "zstd", ["--raw-ts"]],
  ["counter clock", "counter", "zstd", []],
  ["boot clock, timer/workqueue/signal", "boot", "v6", []],
  ["boot clock -t -R", "boot", "none", ["-t", "-R"]],
  ["lost events", "lost", "zstd", []],
  ["lost events v6", "lost", "v6", []],
  ["two buffers", "twoBuffers", "zstd", []],
  ["two buffers v6", "twoBuffers", "v6", []],
  ["-t", "schedLocal", "zstd", ["-t"]],
  ["-R", "schedLocal", "zstd", ["-R"]],
  ["--cpu 1 (global stream index: the empty top buffer's cpu1)", "allLocal", "zstd", ["--cpu", "1"]],
  ["--cpu 3 (the instance's cpu1)", "allLocal", "zstd", ["--cpu", "3"]],
  ["--cpu 0,2-3", "allLocal", "v6", ["--cpu", "0,2-3"]],
  ["--raw-ts", "schedLocal", "zstd", ["--raw-ts"]],
  ["-l (latency columns)", "allLocal", "zstd", ["-l"]],
  ["-l lost events", "lost", "zstd", ["-l"]],
  ["-l -R two buffers", "twoBuffers", "v6", ["-l", "-R"]],
  ["-l -t", "schedLocal", "zstd", ["-l", "-t"]],
];

describe.skipIf(skipWhy !== undefined)("report matches trace-cmd", () => {
  for (const full of [false, true]) {
    const kind = full ? "full text" : "layout";
    describe.skipIf(full && !eventsReady)(kind, () => {
      test.each(CASES)(`report() ${kind}: %s`, async (_name, spec, variant, flags) => {
        const file = await corpusFile(CORPUS[spec], variant);
        await compare(["-i", file, ...flags], full);
      }, T);

      test(`report() ${kind}: two files merged, with --ts-offset on the second`, async () => {
        const a = await corpusFile(CORPUS.schedLocal);
        const b = await corpusFile(CORPUS.mono, "v6");
        await compare(["-i", a, "-i", b], full);
        await compare(["-i", b, "-i", a, "--ts-offset=-5000000"], full);
      }, T);

      test(`report() ${kind}: a file with instances merged with another`, async () => {
        const a = await corpusFile(CORPUS.twoBuffers);
        const b = await corpusFile(CORPUS.schedLocal, "none");
        await compare(["-i", a, "-i", b], full);
        await compare(["-i", b, "-i", a], full);
      }, T);
    });
  }
});
