// writeReport() golden text on synthetic files (checked against trace-cmd 3.1.6 by
// test/e2e/report/synthetic-oracle.test.ts): dropped-event markers, instance prefixes, time styles.

import { describe, expect, test } from "bun:test";
import { TruncatedError, FormatError } from "../../../src/errors.ts";
import { writeReport, type ReportOptions } from "../../../src/report/report.ts";
import { MemorySink } from "../../../src/lib/byte-sink.ts";
import { memorySource } from "../../../src/tracedat/reader/byte-source.ts";
import { openTraceDat } from "../../../src/tracedat/reader/open.ts";
import { buildTraceDat, demoEvents, demoFile, type DemoFile } from "../tracedat/reader/fixture-builder.ts";
import { TRACECMD_OPTION_TRACEID } from "../../../src/tracedat/model.ts";
import { guestOption, u64Option } from "../../../src/tracedat/options-encode.ts";

const GOLDEN = `cpus=2
      CPU:0 [5 EVENTS DROPPED]
            bash-42    [000]     1.000001: demo:                 val=0
      CPU:1 [EVENTS DROPPED]
          worker-7     [001]     1.000002: demo:                 val=1
                  bash-42    [000]     1.000003: demo:                 val=10
                worker-7     [001]     1.000004: demo:                 val=11
                  bash-42    [000]     1.000005: demo:                 val=20
                worker-7     [001]     1.000006: demo:                 val=21
inst:             bash-42    [000]     1.000011: demo:                 val=0
inst:           worker-7     [001]     1.000012: demo:                 val=1
inst:             bash-42    [000]     1.000013: demo:                 val=10
inst:           worker-7     [001]     1.000014: demo:                 val=11
`;

function report(bytes: Uint8Array[], opts: Partial<ReportOptions> = {}, names = bytes.map((_, i) => `f${i}.dat`)) {
  const sink = new MemorySink();
  const inputs = bytes.map((b, i) => ({ path: names[i]!, dat: openTraceDat(memorySource(b)), userOffsetNs: 0n }));
  const result = writeReport(inputs, { nsec: false, raw: false, rawTs: false, ...opts }, sink);
  return { text: sink.text(), ...result };
}

describe.each([
  ["v6", { version: 6 }],
  ["v7 none", { version: 7, compression: "none" }],
  ["v7 zlib", { version: 7, compression: "zlib" }],
  ["v7 zstd", { version: 7, compression: "zstd" }],
  ["v6 big-endian 4-byte long", { version: 6, littleEndian: false, longSize: 4 }],
] as [string, Omit<DemoFile, "buffers">][])("writeReport() %s", (_name, variant) => {
  const bytes = buildTraceDat(demoFile(variant));

  test("prints the golden text", () => {
    expect(report([bytes]).text).toBe(GOLDEN);
  });

  test("prints every readable event and returns a Truncated/FormatError at every cut of the data", () => {
    for (let cut = bytes.length - 1; cut > bytes.length - 12_000 && cut > 0; cut -= 7) {
      let r: ReturnType<typeof report>;
      try {
        r = report([bytes.subarray(0, cut)]);
      } catch (e) {
        expect(e instanceof TruncatedError || e instanceof FormatError).toBe(true);
        continue;
      }
      if (r.error) expect(r.error instanceof TruncatedError || r.error instanceof FormatError).toBe(true);
      expect(GOLDEN.startsWith(r.text.split("\n").slice(0, 1).join("\n"))).toBe(true);
    }
  });
});

test("writeReport() -t prints nanoseconds and a raw-counter clock prints %12llu", () => {
  const ns = report([buildTraceDat(demoFile({ version: 6 }))], { nsec: true }).text.split("\n")[2];
  expect(ns).toBe("            bash-42    [000]     1.000000500: demo:                 val=0");
  const tsc = report([buildTraceDat({ ...demoFile({ version: 6 }), clock: "local global [x86-tsc]" })]).text.split("\n")[2];
  expect(tsc).toBe("            bash-42    [000]  1000000500: demo:                 val=0");
});

test("writeReport() merges two files in time order with right-aligned file names", () => {
  const a = buildTraceDat({ version: 6, buffers: [{ name: "", cpus: demoEvents(1) }] });
  const b = buildTraceDat({ version: 7, compression: "zstd", buffers: [{ name: "", cpus: demoEvents(1, 1_000_000_100n) }] });
  expect(report([a, b], {}, ["/x/a.dat", "long-b.dat"]).text).toBe(
    [
      "     a.dat: cpus=2",
      "long-b.dat: cpus=2",
      "     a.dat:             bash-42    [000]     1.000001: demo:                 val=0",
      "long-b.dat:             bash-42    [000]     1.000001: demo:                 val=0",
      "     a.dat:           worker-7     [001]     1.000002: demo:                 val=1",
      "long-b.dat:           worker-7     [001]     1.000002: demo:                 val=1",
      "",
    ].join("\n"),
  );
});

test("writeReport() --cpu selects trace-cmd's global stream numbers (top buffer cpus first)", () => {
  const bytes = buildTraceDat(demoFile({ version: 6 }));
  const lines = report([bytes], { cpus: new Set([3]) }).text.split("\n");
  expect(lines).toEqual([
    "cpus=2",
    "inst:           worker-7     [001]     1.000012: demo:                 val=1",
    "inst:           worker-7     [001]     1.000014: demo:                 val=11",
    "",
  ]);
});

describe("writeReport() host + guest set", () => {
  const te = (id: bigint) => u64Option(TRACECMD_OPTION_TRACEID, id, true);
  // pid 42 ("bash" in the demo records) is guest ga's vCPU 1 thread on the host.
  const host = buildTraceDat({ version: 6, buffers: [{ name: "", cpus: demoEvents(1) }], extraOptions: [te(1n), guestOption("ga", 7n, [{ vcpu: 0, pid: 99 }, { vcpu: 1, pid: 42 }], true)] });
  const guest = buildTraceDat({ version: 6, buffers: [{ name: "", cpus: demoEvents(1) }], extraOptions: [te(7n)] });

  test("tags: (host) and (ga); host lines of a vCPU thread end with the guest and vCPU", () => {
    const lines = report([host, guest], { namePrefix: "tag" }, ["trace.dat", "trace-ga.dat"]).text.split("\n");
    const hostLines = lines.filter((l) => l.startsWith("(host)") && !l.endsWith("cpus=2"));
    expect(hostLines.length).toBe(2);
    expect(hostLines.find((l) => l.includes("bash-42"))).toEndWith("demo:                 val=0 (ga vCPU 1)");
    expect(hostLines.find((l) => l.includes("worker-7"))).toEndWith("val=1");
    expect(lines.filter((l) => l.startsWith("  (ga)")).every((l) => !l.includes("vCPU"))).toBe(true);
  });

  test("--name-prefix file keeps trace-cmd's lines: no notes", () => {
    expect(report([host, guest], { namePrefix: "file" }, ["trace.dat", "trace-ga.dat"]).text).not.toContain("vCPU");
  });
});
