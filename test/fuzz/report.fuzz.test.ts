// Seeded fuzzing of the trace.dat reader + report: flips, overwrites, inflated lengths and cuts of
// synthetic files (every version/compression/byte order) and, when the corpus is available, of real
// recordings. Every case must end in text or a VtraceError, within a time bound.
// FUZZ_ITERS=n for a longer run; FUZZ_SEED=s replays one case.

import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { VtraceError } from "../../src/errors.ts";
import { writeReport } from "../../src/report/report.ts";
import { MemorySink } from "../../src/lib/byte-sink.ts";
import { memorySource } from "../../src/tracedat/reader/byte-source.ts";
import { openTraceDat } from "../../src/tracedat/reader/open.ts";
import { corpusFile, corpusUnavailable } from "../helpers/corpus.ts";
import { buildTraceDat, demoEvents, type DemoFile } from "../unit/tracedat/reader/fixture-builder.ts";
import { CORPUS } from "../e2e/report/corpus.ts";

const ITERS = Number(process.env.FUZZ_ITERS ?? 3000);
const ONLY_SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const CASE_MS = 3000;
/** Seeds that once failed (kept so they run on every test run). 7300: event length near 2^32 wrapped the size negative. */
const REGRESSIONS = [7300];

/** mulberry32: small, seedable, good enough to pick mutations. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYNTHETIC: Omit<DemoFile, "buffers">[] = [
  { version: 6 },
  { version: 7, compression: "none" },
  { version: 7, compression: "zlib" },
  { version: 7, compression: "zstd" },
  { version: 6, littleEndian: false, longSize: 4 },
  { version: 7, compression: "zstd", littleEndian: false },
];

const seeds: Uint8Array[] = SYNTHETIC.map((v) =>
  buildTraceDat({
    ...v,
    buffers: [
      { name: "", cpus: demoEvents(60), missed: [3, -1] },
      { name: "i", cpus: demoEvents(20, 1_000_050_000n) },
    ],
    eventsPerPage: 25,
  }),
);

function mutate(input: Uint8Array, r: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(r() * n);
  let out = input.slice();
  const rounds = 1 + pick(4);
  for (let i = 0; i < rounds; i++) {
    const at = pick(out.length);
    switch (pick(6)) {
      case 0:
        out[at] = out[at]! ^ (1 << pick(8));
        break;
      case 1:
        out[at] = pick(256);
        break;
      case 2: {
        const dv = new DataView(out.buffer);
        if (at + 4 <= out.length) dv.setUint32(at - (at % 4), [0xffffffff, 0x7fffffff, 0x80000000, out.length * 2][pick(4)]!, r() < 0.5);
        break;
      }
      case 3:
        out = out.subarray(0, at);
        break;
      case 4:
        out.fill(pick(2) ? 0 : 0xff, at, at + 1 + pick(64));
        break;
      default:
        out.copyWithin(at, pick(out.length), pick(out.length));
    }
  }
  return out;
}

function runCase(bytes: Uint8Array): { outcome: string; ms: number } {
  const t0 = performance.now();
  let outcome = "text";
  try {
    const dat = openTraceDat(memorySource(bytes));
    const result = writeReport([{ path: "fuzz.dat", dat, userOffsetNs: 0n }], { nsec: false, raw: false, rawTs: false }, new MemorySink());
    if (result.error) outcome = result.error.name;
  } catch (e) {
    if (!(e instanceof VtraceError)) throw e;
    outcome = e.name;
  }
  return { outcome, ms: performance.now() - t0 };
}

function fuzz(inputs: Uint8Array[], first: number, count: number): Record<string, number> {
  const outcomes: Record<string, number> = {};
  const seedsToRun = ONLY_SEED !== undefined ? [ONLY_SEED] : [...(first === 1 ? REGRESSIONS : []), ...Array.from({ length: count }, (_, i) => first + i)];
  for (const seed of seedsToRun) {
    const r = rng(seed);
    const input = inputs[Math.floor(r() * inputs.length)]!;
    let result: { outcome: string; ms: number };
    try {
      result = runCase(mutate(input, r));
    } catch (e) {
      throw new Error(`fuzz seed ${seed}: not a VtraceError: ${(e as Error)?.stack ?? String(e)}`);
    }
    if (result.ms > CASE_MS) throw new Error(`fuzz seed ${seed}: took ${result.ms.toFixed(0)} ms`);
    outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
  }
  return outcomes;
}

describe("report fuzz", () => {
  test(`synthetic files: ${ITERS} seeded mutations end in text or a VtraceError`, () => {
    const outcomes = fuzz(seeds, 1, ITERS);
    console.log(`fuzz synthetic seeds 1..${ITERS}:`, outcomes);
    expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(ONLY_SEED === undefined ? ITERS + REGRESSIONS.length : 1);
  }, 600_000);

  const why = corpusUnavailable();
  test.skipIf(why !== undefined || ONLY_SEED !== undefined)("real recordings: seeded mutations end in text or a VtraceError", async () => {
    const files = await Promise.all([corpusFile(CORPUS.schedLocal, "zstd"), corpusFile(CORPUS.twoBuffers, "none"), corpusFile(CORPUS.mono, "v6")]);
    const inputs = files.filter(existsSync).map((f) => new Uint8Array(readFileSync(f)));
    const count = Math.max(40, Math.floor(ITERS / 50));
    const outcomes = fuzz(inputs, 1_000_000, count);
    console.log(`fuzz real seeds 1000000..${1_000_000 + count - 1}:`, outcomes);
  }, 600_000);
});
