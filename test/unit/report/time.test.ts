// Timestamps as trace-cmd shows them: clock styles, TSC2NSEC, TIME_SHIFT, offsets (checked against
// trace-cmd 3.1.6 end to end by test/e2e/report/synthetic-oracle.test.ts).

import { expect, test } from "bun:test";
import { MemorySink } from "../../../src/lib/byte-sink.ts";
import { formatTime, TimeColumn } from "../../../src/report/line.ts";
import { makeReportTime, makeToTime, parseClockName, printsInUsecs, tscToNsExact } from "../../../src/report/time.ts";
import { emptyOptions, type FileOptions } from "../../../src/tracedat/reader/options.ts";
import type { TraceDat } from "../../../src/tracedat/reader/trace-dat.ts";

function dat(clockText: string | undefined, options: Partial<FileOptions> = {}): TraceDat {
  return { clockText, options: { ...emptyOptions(), ...options } } as TraceDat;
}

test("parseClockName() picks the bracketed clock", () => {
  expect([parseClockName("[local] global counter"), parseClockName("local global [x86-tsc]"), parseClockName("local"), parseClockName(undefined)]).toEqual([
    "local",
    "x86-tsc",
    undefined,
    undefined,
  ]);
});

test("printsInUsecs() follows trace-cmd's clock list, TSC2NSEC and --raw-ts", () => {
  const tsc2nsec = { mult: 3, shift: 1, offset: 0n };
  expect([
    printsInUsecs(dat("[local]"), false),
    printsInUsecs(dat("[mono_raw]"), false),
    printsInUsecs(dat("[x86-tsc]"), false),
    printsInUsecs(dat("[counter]"), false),
    printsInUsecs(dat("[boot]"), false),
    printsInUsecs(dat("[x86-tsc]", { tsc2nsec }), false),
    printsInUsecs(dat("[local]"), true),
    printsInUsecs(dat(undefined), true),
  ]).toEqual([true, true, false, false, false, true, false, true]);
});

test("makeToTime() applies TSC2NSEC, then DATE, OFFSET and --ts-offset; --raw-ts applies nothing", () => {
  const d = dat("[x86-tsc]", { tsc2nsec: { mult: 3, shift: 1, offset: 99n }, dateNs: 1000n, offsetNs: -10n });
  const toTime = makeToTime(d, { rawTs: false, userOffsetNs: 5n, isInstance: false })!;
  expect(toTime(1000n, 0)).toBe(1500n + 1000n - 10n + 5n);
  expect(makeToTime(d, { rawTs: true, userOffsetNs: 5n, isInstance: false })).toBeUndefined();
  expect(makeToTime(dat("[local]"), { rawTs: false, userOffsetNs: 0n, isInstance: false })).toBeUndefined();
});

test("makeToTime() maps guest time through TIME_SHIFT samples, not for instances", () => {
  const timeShift = {
    peerTraceId: 1n,
    flags: 1,
    cpus: [
      [{ time: 0n, offset: -100n, scaling: 1n, frac: 0n }],
      [
        { time: 100n, offset: 10n, scaling: 1n, frac: 0n },
        { time: 200n, offset: 30n, scaling: 1n, frac: 0n },
      ],
    ],
  };
  const toTime = makeToTime(dat("[local]", { timeShift }), { rawTs: false, userOffsetNs: 0n, isInstance: false })!;
  expect([toTime(1000n, 0), toTime(150n, 1), toTime(150n, 7)]).toEqual([900n, 170n, 150n]);
  expect(makeToTime(dat("[local]", { timeShift }), { rawTs: false, userOffsetNs: 0n, isInstance: true })).toBeUndefined();
});

test("formatTime() rounds to µs, prints ns with -t, and raw counters as %12llu", () => {
  expect([formatTime(1_999_999_500n, "usecs"), formatTime(5n, "nsecs"), formatTime(123n, "raw"), formatTime(123_456_789_012_345n, "usecs")]).toEqual([
    "     2.000000:",
    "     0.000000005:",
    "         123:",
    " 123456.789012:",
  ]);
});

test("TimeColumn.put() writes what formatTime() prints, for numbers and bigints", () => {
  const put = (f: TimeColumn, ts: number | bigint) => {
    const out = new MemorySink();
    f.put(out, ts);
    return out.text();
  };
  for (const style of ["usecs", "nsecs", "raw"] as const) {
    const f = new TimeColumn(style);
    for (const ts of [0n, 499n, 500n, 999_999_499n, 999_999_500n, 1_234_567_890_123n, 123_456_789_012_345_678n, 2n ** 53n + 7n, 2n ** 63n]) {
      expect(put(f, ts)).toBe(formatTime(ts, style));
      if (ts < 2n ** 52n) expect(put(f, Number(ts))).toBe(formatTime(ts, style));
    }
  }
});

test("tscToNsExact() equals the bigint (ts × mult) >> shift for TSC-sized values, every mult and shift", () => {
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < 20000; i++) {
    const ts = Math.floor(rand() * 2 ** (20 + Math.floor(rand() * 32)));
    const mult = Math.floor(rand() * 2 ** 32);
    const shift = Math.floor(rand() * 64);
    const want = (BigInt(ts) * BigInt(mult)) >> BigInt(shift);
    if (want >= 2n ** 52n) continue;
    expect({ ts, mult, shift, got: tscToNsExact(ts, mult, shift) }).toEqual({ ts, mult, shift, got: Number(want) });
  }
});

test("makeReportTime() on doubles gives makeToTime()'s bigint times: offsets, one-sample TIME_SHIFT, TSC2NSEC", () => {
  const timeShift = { peerTraceId: 1n, flags: 0, cpus: [[{ time: 0n, offset: -1_258_364_170_587_762n, scaling: 1n, frac: 0n }], []] };
  const d = dat("[x86-tsc]", { timeShift, tsc2nsec: { mult: 2049129529, shift: 32, offset: 0n }, offsetNs: 7n });
  const settings = { rawTs: false, userOffsetNs: -3n, isInstance: false };
  const exact = makeToTime(d, settings)!;
  const fast = makeReportTime(d, settings)!;
  for (const guest of [1_258_364_170_587_762n + 5n, 1_259_000_000_000_123n, 1_262_000_111_222_333n]) {
    for (const cpu of [0, 1, 5]) expect(fast(Number(guest), cpu)).toBe(Number(exact(guest, cpu)));
  }
});

test("makeReportTime() on doubles gives makeToTime()'s bigint times for interpolated multi-sample TIME_SHIFT (seeded random sets)", () => {
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((seed / 2 ** 31) * n);
  };
  let compared = 0;
  let doubles = 0;
  for (let set = 0; set < 200; set++) {
    // Guest TSC values (what TIME_SHIFT sample times are), ~1.27e15 ahead of the host's as on TCG.
    const base = 1_300_000_000_000_000 + rand(1e9) * 1000;
    const count = 2 + rand(5);
    // Sample times ascending (sometimes equal), offsets of either sign moving by up to ±5M cycles.
    const samples = Array.from({ length: count }, (_, k) => ({
      time: BigInt(base + k * rand(3e9)),
      offset: BigInt(-1_271_648_675_181_780 + (rand(1e7) - 5e6)),
      scaling: 1n,
      frac: 0n,
    }));
    const timeShift = { peerTraceId: 1n, flags: set % 4 === 0 ? 0 : 1, cpus: [samples, samples.slice(0, 2)] };
    const d = dat("[x86-tsc]", { timeShift, tsc2nsec: set % 2 ? { mult: 2049129529, shift: 32, offset: 0n } : undefined, offsetNs: 0n });
    const settings = { rawTs: false, userOffsetNs: 0n, isInstance: false };
    const exact = makeToTime(d, settings)!;
    const fast = makeReportTime(d, settings)!;
    for (let k = 0; k < 20; k++) {
      // Guest times around and outside the sampled range, the samples' own times included.
      const guest = k < count ? samples[k]!.time : BigInt(base - 1e9 + rand(4e9) * (1 + rand(4)));
      for (const cpu of [0, 1, 3]) {
        const want = exact(guest, cpu);
        if (typeof fast(Number(guest), cpu) === "number") doubles++;
        expect({ set, guest, cpu, got: fast(Number(guest), cpu) }).toEqual({ set, guest, cpu, got: want < 2n ** 52n ? Number(want) : want });
        compared++;
      }
    }
  }
  expect(compared).toBe(200 * 20 * 3);
  expect(doubles).toBe(compared); // every one of them took the double path
});

test("makeReportTime() stays on doubles with TIME_SHIFT samples that end at INT64_MAX (as record -A writes them), and agrees with the bigint times", () => {
  const INT64_MAX = 2n ** 63n - 1n;
  const samples = [
    { time: 0n, offset: 1_850_864_713_480n, scaling: 1n, frac: 0n },
    { time: 35_574_809_489n, offset: 1_850_864_713_480n, scaling: 1n, frac: 0n },
    { time: 40_216_170_447n, offset: 1_850_863_046_503n, scaling: 1n, frac: 0n },
    { time: INT64_MAX, offset: 1_850_863_046_503n, scaling: 1n, frac: 0n },
  ];
  // A set whose last pair has different offsets: that pair must take the bigint path.
  const drifting = [...samples.slice(0, 3), { ...samples[3]!, offset: 1_850_863_000_000n }];
  for (const [cpus, flags] of [[[samples, samples], 1], [[samples], 0], [[drifting], 1]] as const) {
    const timeShift = { peerTraceId: 1n, flags, cpus: cpus.map((c) => [...c]) };
    const d = dat("[x86-tsc]", { timeShift, tsc2nsec: { mult: 2049129529, shift: 32, offset: 0n }, offsetNs: 0n });
    const settings = { rawTs: false, userOffsetNs: 0n, isInstance: false };
    const exact = makeToTime(d, settings)!;
    const fast = makeReportTime(d, settings)!;
    for (const guest of [1n, 35_574_809_489n, 38_000_000_123n, 40_216_170_447n, 40_216_170_448n, 99_999_999_999n, 2n ** 50n]) {
      const want = exact(guest, 0);
      expect({ guest, got: fast(Number(guest), 0) }).toEqual({ guest, got: want < 2n ** 52n ? Number(want) : want });
    }
  }
});
