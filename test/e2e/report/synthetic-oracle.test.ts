// Synthetic files (all versions, byte orders, long sizes) through both `trace-cmd report` and
// `vtrace report`: identical stdout. Needs only trace-cmd, not tracefs.

import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { firstDifference, traceCmdReport } from "../../helpers/corpus.ts";
import { buildTraceDat, demoEvents, type DemoFile } from "../../unit/tracedat/reader/fixture-builder.ts";

const CLI = join(import.meta.dir, "..", "..", "..", "src", "cli.ts");
const hasTraceCmd = Bun.which("trace-cmd") !== null;
if (!hasTraceCmd) console.log("skipping synthetic oracle: trace-cmd is not installed");

const te = new TextEncoder();
const u32 = (...v: number[]) => new Uint8Array(new Uint32Array(v).buffer);
const u64 = (...v: bigint[]) => new Uint8Array(new BigUint64Array(v).buffer);
const cat = (...p: Uint8Array[]) => Uint8Array.from(p.flatMap((x) => [...x]));
/** TIME_SHIFT for 2 cpus: cpu0 one sample (offset only), cpu1 three samples with scaling 3 >> 1. */
const TIME_SHIFT = cat(
  u64(0x1234n),
  u32(1, 2),
  u32(1),
  u64(0n),
  u64(BigInt.asUintN(64, -500_000_000n)),
  u64(1n),
  u32(3),
  u64(900_000_000n, 1_000_000_000n, 1_100_000_000n),
  u64(100n, 2_000n, 50_000n),
  u64(3n, 3n, 3n),
  u64(0n),
  u64(1n, 1n, 1n),
);

const VARIANTS: [string, Omit<DemoFile, "buffers">][] = [
  ["v6", { version: 6 }],
  ["v7 none", { version: 7, compression: "none" }],
  ["v7 zstd", { version: 7, compression: "zstd" }],
  ["v6 big-endian", { version: 6, littleEndian: false }],
  ["v7 zstd big-endian", { version: 7, compression: "zstd", littleEndian: false }],
  ["v6 4-byte long", { version: 6, longSize: 4 }],
  ["v6 x86-tsc clock", { version: 6, clock: "local [x86-tsc]" }],
  ["v7 mono clock", { version: 7, compression: "none", clock: "[mono] local" }],
  ["OFFSET and DATE options", { version: 6, extraOptions: [{ id: 7, data: te.encode("-250000\0") }, { id: 1, data: te.encode("0x1f4\0") }] }],
  ["TSC2NSEC option", { version: 7, compression: "none", clock: "[x86-tsc]", extraOptions: [{ id: 14, data: cat(u32(3_000_000, 22), u64(77n)) }] }],
  ["TIME_SHIFT option", { version: 6, extraOptions: [{ id: 12, data: TIME_SHIFT }] }],
  ["info ending in two newlines", { version: 6, printFmt: `"val=%d\\n\\n", REC->val` }],
];

describe.skipIf(!hasTraceCmd)("report on synthetic files matches trace-cmd", () => {
  test.each(VARIANTS)("report() %s", async (_name, variant) => {
    const dir = mkdtempSync(join(tmpdir(), "vtrace-syn-"));
    try {
      const file = join(dir, "s.dat");
      writeFileSync(
        file,
        buildTraceDat({
          ...variant,
          buffers: [
            { name: "", cpus: demoEvents(300), missed: [12, -1] },
            { name: "instance-b", cpus: demoEvents(40, 1_000_010_000n) },
          ],
          eventsPerPage: 37,
        }),
      );
      for (const flags of [[], ["-t"], ["--raw-ts"], ["--cpu", "1,2"]]) {
        const args = ["-i", file, ...flags];
        const p = Bun.spawn([process.execPath, CLI, "report", ...args], { stdout: "pipe", stderr: "pipe" });
        const [actual, expected] = await Promise.all([new Response(p.stdout).text(), traceCmdReport(args)]);
        expect(await p.exited).toBe(0);
        const diff = firstDifference(expected, actual);
        if (diff) console.log(`report ${flags.join(" ")}: ${diff}`);
        expect(diff).toBeUndefined();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe.skipIf(!hasTraceCmd)("multi-file report on synthetic files matches trace-cmd", () => {
  test("report() -i a -i b --ts-offset=N -i c, with instances in two of them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vtrace-syn-multi-"));
    try {
      const a = join(dir, "a.dat");
      const b = join(dir, "host-longer-name.dat");
      const c = join(dir, "c.dat");
      writeFileSync(a, buildTraceDat({ version: 6, buffers: [{ name: "", cpus: demoEvents(50) }, { name: "x", cpus: demoEvents(5, 1_000_000_700n) }] }));
      writeFileSync(b, buildTraceDat({ version: 7, compression: "zstd", buffers: [{ name: "", cpus: demoEvents(50, 1_000_000_300n) }] }));
      writeFileSync(c, buildTraceDat({ version: 7, compression: "none", buffers: [{ name: "", cpus: [[], demoEvents(20)[1]!] }, { name: "a-much-longer-instance", cpus: demoEvents(4) }] }));
      for (const args of [
        ["-i", a, "-i", b, "-i", c],
        ["-i", a, "--ts-offset=5000", "-i", b, "--ts-offset", "-2500", "-i", c, "--ts-offset=1000"],
        ["-i", c, "-i", a, "-t"],
        ["-i", b, "-i", a, "--cpu", "2,3,5"],
      ]) {
        const p = Bun.spawn([process.execPath, CLI, "report", ...args], { stdout: "pipe", stderr: "pipe" });
        const [actual, expected] = await Promise.all([new Response(p.stdout).text(), traceCmdReport(args)]);
        expect(await p.exited).toBe(0);
        const diff = firstDifference(expected, actual);
        if (diff) console.log(`report ${args.join(" ")}: ${diff}`);
        expect(diff).toBeUndefined();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
