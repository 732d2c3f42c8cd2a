import { describe, expect, test } from "bun:test";
import { ByteWriter } from "../../../src/lib/writer.ts";
import type { TraceMetadata } from "../../../src/tracedat/model.ts";
import { recordingOptions } from "../../../src/tracedat/options-encode.ts";
import { encodeOptionsV6, encodeV6Head, layoutFlyrecord } from "../../../src/tracedat/writer-v6.ts";
import { hex } from "../../helpers/hex.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const META: TraceMetadata = {
  headerPage: enc("HP"),
  headerEvent: enc("HE"),
  ftraceFormats: [enc("F1")],
  eventSystems: [{ name: "sched", formats: [enc("S1"), enc("S2")] }],
  kallsyms: enc("K"),
  printk: enc(""),
  cmdlines: enc("0 x\n"),
};

describe("encodeV6Head()", () => {
  test("writes the v6 layout field by field", () => {
    const head = encodeV6Head({ version: 6, littleEndian: true, longSize: 8, pageSize: 4096 }, META, 2, [{ id: 8, data: hex("02 00 00 00") }]);
    expect(head).toEqual(
      hex(`
      17 08 44 74 72 61 63 69 6e 67   # magic + "tracing"
      36 00                           # "6\\0"
      00 08 00 10 00 00               # little endian, long 8, page 4096
      68 65 61 64 65 72 5f 70 61 67 65 00   02 00 00 00 00 00 00 00   48 50   # header_page
      68 65 61 64 65 72 5f 65 76 65 6e 74 00   02 00 00 00 00 00 00 00   48 45   # header_event
      01 00 00 00   02 00 00 00 00 00 00 00   46 31        # 1 ftrace format
      01 00 00 00   73 63 68 65 64 00   02 00 00 00          # 1 system "sched", 2 events
      02 00 00 00 00 00 00 00 53 31   02 00 00 00 00 00 00 00 53 32
      01 00 00 00 4b                  # kallsyms (u32 size)
      00 00 00 00                     # printk (u32 size)
      04 00 00 00 00 00 00 00 30 20 78 0a   # cmdlines (u64 size)
      02 00 00 00                     # cpus
      6f 70 74 69 6f 6e 73 20 20 00   # "options  \\0"
      08 00 04 00 00 00 02 00 00 00   # CPUCOUNT = 2
      00 00                           # DONE
    `),
    );
  });

  test("writes big-endian files in their own byte order", () => {
    const w = new ByteWriter(false);
    encodeOptionsV6(w, [{ id: 8, data: hex("00 00 00 01") }]);
    expect(w.finish().subarray(10)).toEqual(hex("00 08 00 00 00 04 00 00 00 01 00 00"));
  });
});

describe("layoutFlyrecord()", () => {
  test("puts each CPU's data on a page boundary, empty CPUs at offset 0", () => {
    const fly = layoutFlyrecord(5000, [8192, 0, 4096], "x86-tsc", { littleEndian: true, pageSize: 4096 });
    expect(fly.dataOffsets).toEqual([8192, 0, 16384]);
    expect(fly.table.length).toBe(10 + 48 + 8 + 9);
    expect(fly.padding).toBe(8192 - 5000 - fly.table.length);
    expect(new TextDecoder().decode(fly.table.subarray(fly.table.length - 9))).toBe("[x86-tsc]");
  });
});

describe("recordingOptions()", () => {
  test("lists options in trace-cmd record's order with NUL-terminated text", () => {
    const opts = recordingOptions(
      { clockFileText: "[local] x86-tsc\n", uname: "Linux h 6.1 x86_64", version: "0.1.0 vtrace", traceId: 5n, cpuStats: ["a", "b"], cpuCount: 2 },
      true,
    );
    expect(opts.map((o) => o.id)).toEqual([4, 5, 9, 11, 2, 2, 8]);
    expect(new TextDecoder().decode(opts[4]!.data)).toBe("CPU: 0\na\0");
    expect(opts[3]!.data).toEqual(hex("05 00 00 00 00 00 00 00"));
  });
});
