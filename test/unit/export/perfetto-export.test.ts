// writePerfetto() and the GUEST vCPU tables on synthetic trace.dat files (v6 and v7, see fixture-builder.ts):
// the JSON is complete and valid, times are the report's ns in µs, a host + guest set gets its roles.

import { describe, expect, test } from "bun:test";
import { FormatError, TruncatedError } from "../../../src/errors.ts";
import { writePerfetto } from "../../../src/export/perfetto/export.ts";
import { Cursor } from "../../../src/lib/cursor.ts";
import { decodeGuestOption } from "../../../src/tracedat/reader/options.ts";
import type { ReportInput } from "../../../src/report/handles.ts";
import { TRACECMD_OPTION_TRACEID } from "../../../src/tracedat/model.ts";
import { guestOption, timeShiftOption, u64Option } from "../../../src/tracedat/options-encode.ts";
import { memorySource } from "../../../src/tracedat/reader/byte-source.ts";
import { openTraceDat } from "../../../src/tracedat/reader/open.ts";
import { buildTraceDat, demoEvents, demoFile, type DemoFile } from "../tracedat/reader/fixture-builder.ts";
import { checkChromeTrace } from "./perfetto-validator.ts";

function exportFiles(files: Uint8Array[], names = files.map((_, i) => `f${i}.dat`)) {
  let text = "";
  const inputs: ReportInput[] = files.map((b, i) => ({ path: names[i]!, dat: openTraceDat(memorySource(b)), userOffsetNs: 0n }));
  const result = writePerfetto(inputs, { rawTs: false }, { write: (t) => ((text += t), true) });
  return { text, ...result, checked: checkChromeTrace(text) };
}

const traceId = (id: bigint) => u64Option(TRACECMD_OPTION_TRACEID, id, true);
const VCPUS = [
  { vcpu: 0, pid: 1234 },
  { vcpu: 1, pid: 1235 },
];
const GUEST_SHIFT_NS = 5_000_000n;

function hostFile(version: 6 | 7): DemoFile {
  return { version, buffers: [{ name: "", cpus: demoEvents(2) }], extraOptions: [traceId(1n), guestOption("ga", 7n, VCPUS, true)] };
}
function guestFile(version: 6 | 7): DemoFile {
  return { version, buffers: [{ name: "", cpus: demoEvents(2) }], extraOptions: [traceId(7n), timeShiftOption(1n, 2, 0, [{ time: 0n, offset: GUEST_SHIFT_NS }], true)] };
}

describe.each([
  ["v6", { version: 6 }],
  ["v7 zstd", { version: 7, compression: "zstd" }],
] as [string, Omit<DemoFile, "buffers">][])("writePerfetto() %s", (_name, variant) => {
  test("writes valid JSON: named process and CPU tracks (instances too), one instant per record with its fields, µs times", () => {
    const { checked, error, warnings } = exportFiles([buildTraceDat(demoFile(variant))]);
    expect({ problems: checked.problems, error, warnings }).toEqual({ problems: [], error: undefined, warnings: [] });
    expect([...checked.processNames.values()]).toEqual(["f0.dat"]);
    expect([...checked.threadNames.values()]).toEqual(["CPU 0", "CPU 1", "CPU 0 (buffer inst)", "CPU 1 (buffer inst)"]);
    const demo = checked.events.filter((e) => e.name === "demo");
    expect(demo.length).toBe(3 * 2 + 2 * 2);
    // demoEvents: 1 s + 500 ns on cpu0 (pid 42, val 0), then 1 µs later on cpu1 (pid 7, val 1)
    expect(demo.slice(0, 2)).toEqual([
      { name: "demo", ph: "i", cat: "demo_sys", ts: 1000000.5, s: "t", pid: 1, tid: 1000000, args: { common_pid: 42, common_comm: "bash", val: 0 } },
      { name: "demo", ph: "i", cat: "demo_sys", ts: 1000001.5, s: "t", pid: 1, tid: 1000001, args: { common_pid: 7, common_comm: "worker", val: 1 } },
    ]);
    expect(checked.events.filter((e) => e.name === "lost events").map((e) => e.args?.count)).toEqual([5, "unknown"]);
  });

  test("a host + guest set: one process per machine, vCPU tracks named after host threads, guest times shifted as the report shifts them", () => {
    const v = variant.version as 6 | 7;
    const { checked } = exportFiles([buildTraceDat({ ...variant, ...hostFile(v) }), buildTraceDat({ ...variant, ...guestFile(v) })], ["trace.dat", "trace-ga.dat"]);
    expect(checked.problems).toEqual([]);
    expect([...checked.processNames]).toEqual([
      [1, "host (trace.dat)"],
      [2, "guest ga (trace-ga.dat)"],
    ]);
    expect([...checked.threadNames.values()]).toEqual(["CPU 0", "CPU 1", "tid 1234 (ga vCPU 0)", "tid 1235 (ga vCPU 1)", "vCPU 0 (host tid 1234)", "vCPU 1 (host tid 1235)"]);
    const first = (pid: number) => checked.events.find((e) => e.pid === pid && e.ph === "i")!.ts;
    expect(first(2) - first(1)).toBeCloseTo(Number(GUEST_SHIFT_NS) / 1000, 6);
  });

  test("the reader keeps the host file's vCPU → host thread table of each GUEST option; none for other files", () => {
    const v = variant.version as 6 | 7;
    const host = openTraceDat(memorySource(buildTraceDat({ ...variant, ...hostFile(v) })));
    expect(host.options.guests).toEqual([{ name: "ga", traceId: 7n, hostTids: new Map([[0, 1234], [1, 1235]]) }]);
    expect(openTraceDat(memorySource(buildTraceDat({ ...variant, ...guestFile(v) }))).options.guests).toEqual([]);
  });

  test("a cut file: everything readable is written, the JSON stays complete, and the read error comes back", () => {
    const bytes = buildTraceDat(demoFile(variant));
    let sawError = false;
    for (let cut = bytes.length - 1; cut > bytes.length - 12_000 && cut > 0; cut -= 331) {
      let r: ReturnType<typeof exportFiles>;
      try {
        r = exportFiles([bytes.subarray(0, cut)]);
      } catch (e) {
        expect(e instanceof TruncatedError || e instanceof FormatError).toBe(true);
        continue;
      }
      expect(r.checked.problems).toEqual([]);
      if (r.error) {
        sawError = true;
        expect(r.error instanceof TruncatedError || r.error instanceof FormatError).toBe(true);
      }
    }
    // v7 keeps its buffer options after the data, so there a cut file fails to open instead.
    expect(sawError).toBe(variant.version === 6);
  });
});

test("decodeGuestOption() keeps the vCPUs a short table has, and skips unknown (-1) threads", () => {
  const full = guestOption("g1", 9n, [{ vcpu: 0, pid: 100 }, { vcpu: 1, pid: -1 }, { vcpu: 2, pid: 102 }], false).data;
  const decode = (bytes: Uint8Array) => decodeGuestOption(new Cursor(bytes, false));
  expect(decode(full)).toEqual({ name: "g1", traceId: 9n, hostTids: new Map([[0, 100], [2, 102]]) });
  expect(decode(full.subarray(0, full.length - 4)).hostTids).toEqual(new Map([[0, 100]]));
  expect(decode(full.subarray(0, 3 + 8)).hostTids).toEqual(new Map());
});

test("writePerfetto() refuses a latency-format file with a FormatError naming it", () => {
  const dat = { ...openTraceDat(memorySource(buildTraceDat(demoFile({ version: 6 })))), latencyText: new Uint8Array(1) };
  expect(() => writePerfetto([{ path: "lat.dat", dat, userOffsetNs: 0n }], { rawTs: false }, { write: () => true })).toThrow(/cannot export 'lat.dat': a latency-format file/);
});
