// The option dumpers on synthetic option lists: expected texts are `trace-cmd dump --options` 3.1.6
// output for the same bytes (fixture-builder.ts files with extra options).

import { describe, expect, test } from "bun:test";
import { MemorySink } from "../../../../src/lib/byte-sink.ts";
import { dumpTraceDat } from "../../../../src/tracedat/dump/dump.ts";
import { OPTIONS, SUMMARY } from "../../../../src/tracedat/dump/items.ts";
import { memorySource } from "../../../../src/tracedat/reader/byte-source.ts";
import { buildTraceDat, demoFile, type DemoFile } from "../reader/fixture-builder.ts";

const te = new TextEncoder();
const u32 = (v: number) => [v & 255, (v >> 8) & 255, (v >> 16) & 255, v >>> 24];
const u64 = (v: number) => [...u32(v), 0, 0, 0, 0];

function dump(extraOptions: DemoFile["extraOptions"], items = OPTIONS, version: 6 | 7 = 6): string {
  const sink = new MemorySink();
  const bytes = buildTraceDat(demoFile({ version, compression: "zstd", extraOptions }));
  dumpTraceDat(memorySource(bytes), { items, validate: false, path: "t.dat" }, sink);
  return sink.text();
}

/** The text of the options after the fixture's own TRACECLOCK and CPUCOUNT, up to its BUFFER option. */
function extraPart(text: string): string {
  const from = text.indexOf("\t\t[Option CPUCOUNT, 4 bytes]\n2\n") + "\t\t[Option CPUCOUNT, 4 bytes]\n2\n".length;
  return text.slice(from, text.indexOf("\t\t[Option BUFFER"));
}

/** TIME_SHIFT payload: trace id 0x1234, flags 3, per CPU a count and times/offsets/scalings, then `fracs` 8-byte values. */
function timeShift(cpus: number[][], fracs: number): Uint8Array {
  const perCpu = cpus.flatMap((s) => [...u32(s.length / 3), ...s.flatMap(u64)]);
  return new Uint8Array([...u64(0x1234), ...u32(3), ...u32(cpus.length), ...perCpu, ...Array.from({ length: fracs }, (_, i) => u64(i + 100)).flat()]);
}

const TS_HEAD = "0x1234 [peer's trace id]\n0x3 [peer's protocol flags]\n0x2 [peer's CPU count]\n2 [samples count for CPU 0]\n";

describe("option dumpers", () => {
  test("TIME_SHIFT with fractions prints one line per sample", () => {
    expect(extraPart(dump([{ id: 12, data: timeShift([[1, 2, 3, 4, 5, 6], [7, 8, 9]], 3) }]))).toBe(
      `\t\t[Option TimeShift, 120 bytes]\n${TS_HEAD}1 [samples count for CPU 1]\n` +
        "\t3 5 100 1[offset * scaling >> fraction @ time]\n\t4 6 101 2[offset * scaling >> fraction @ time]\n\t8 9 102 7[offset * scaling >> fraction @ time]\n",
    );
  });

  test.each([
    ["cut inside the samples", timeShift([[1, 2, 3, 4, 5, 6], [7, 8, 9]], 0).subarray(0, 60), 60, ""],
    ["too few fractions", timeShift([[1, 2, 3, 4, 5, 6], [7, 8, 9]], 2), 112, "1 [samples count for CPU 1]\n"],
  ])("TIME_SHIFT %s says it is broken", (_, data, size, more) => {
    expect(extraPart(dump([{ id: 12, data }]))).toBe(`\t\t[Option TimeShift, ${size} bytes]\n${TS_HEAD}${more}Broken time shift option\n`);
  });

  test("GUEST, TSC2NSEC, TRACEID, UNAME and an unknown id", () => {
    const guest = new Uint8Array([...te.encode("guest\0"), 1, 2, 3, 4, 5, 6, 7, 8, ...u32(2), ...u32(0), ...u32(10), ...u32(1), ...u32(11)]);
    const text = extraPart(
      dump([
        { id: 99, data: new Uint8Array([1, 2, 3]) },
        { id: 5, data: te.encode("Linux x 1.0 x86_64\0") },
        { id: 11, data: new Uint8Array(8).fill(0xab) },
        { id: 14, data: new Uint8Array([...u32(1), ...u32(2), ...u64(3)]) },
        { id: 13, data: guest },
      ]),
    );
    expect(text).toBe(
      " 99 3\t[Unknown option, size - skipping]\n\t\t[Option UNAME, 19 bytes]\nLinux x 1.0 x86_64\n\t\t[Option TRACEID, 8 bytes]\n0xABABABABABABABAB\n" +
        "\n\t\t[Option TSC2NSEC, 16 bytes]\n1 2 3 [multiplier, shift, offset]\n" +
        "\t\t[Option GUEST, 34 bytes]\nguest [Guest name]\n0x807060504030201 [trace id]\n2 [Guest CPUs]\n  0 10 [guest cpu, host pid]\n  1 11 [guest cpu, host pid]\n",
    );
  });

  test("a long text option prints in 1023-byte pieces, all of it; an unknown one is skipped in a v7 section", () => {
    const text = extraPart(dump([{ id: 200, data: new Uint8Array(3000).fill(65) }, { id: 2, data: new Uint8Array(2500).fill(66) }], OPTIONS, 7));
    expect(text).toStartWith(` 200 3000\t[Unknown option, size - skipping]\n\t\t[Option CPUSTAT, 2500 bytes]\n${"B".repeat(2500)}\n\t\t[Option DONE, 8 bytes]\n`);
  });

  test("the option count includes v7 DONE options and leaves out the v6 one", () => {
    expect(dump([], SUMMARY, 6)).toContain("\t[3 options]\n");
    expect(dump([], SUMMARY, 7)).toContain("\t[12 options]\n");
  });
});
