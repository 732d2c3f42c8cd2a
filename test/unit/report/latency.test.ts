// The -l latency columns, from common_flags and common_preempt_count, as libtraceevent 1.7.1
// data_latency_format() prints them (end to end against trace-cmd in test/e2e/report/report-oracle.test.ts).

import { expect, test } from "bun:test";
import { MemorySink } from "../../../src/lib/byte-sink.ts";
import { parseEventFormat } from "../../../src/events/index.ts";
import { latencyFields, latencyTask, putLatency } from "../../../src/report/latency.ts";

const COMMON = [
  "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;",
  "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;",
  "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;",
  "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;",
];
const format = (extra: string[] = []) => parseEventFormat(`name: demo\nID: 9\nformat:\n${[...COMMON, ...extra].join("\n")}\n\n\tfield:int x;\toffset:12;\tsize:4;\tsigned:1;\n\nprint fmt: "x=%d", REC->x\n`, "demo");

function columns(flags: number, pc: number, opts: { raw?: boolean; cpu?: number; extra?: string[]; tail?: number[] } = {}): string {
  const payload = new Uint8Array([9, 0, flags, pc, 1, 0, 0, 0, ...(opts.tail ?? [0, 0, 0, 0, 0, 0, 0, 0])]);
  const out = new MemorySink();
  out.room(64);
  putLatency(out, opts.cpu ?? 1, payload, 0, latencyFields(format(opts.extra)), opts.raw ?? false, true);
  return new TextDecoder().decode(out.buf.subarray(0, out.pos));
}

test("flags: irqs off (d), unsupported (X), need-resched (N), hardirq h, softirq s, both H", () => {
  expect(columns(0, 0)).toBe("  1.....");
  expect(columns(0x01, 0)).toBe("  1d....");
  expect(columns(0x02, 0)).toBe("  1X....");
  expect(columns(0x03 | 0x04, 0)).toBe("  1dN...");
  expect([0x08, 0x10, 0x18].map((f) => columns(f, 0))).toEqual(["  1..h..", "  1..s..", "  1..H.."]);
});

test("preempt count: low and high nibbles in hex, '.' for zero; cpu as %3d", () => {
  expect(columns(0, 0x03)).toBe("  1...3.");
  expect(columns(0, 0x2b)).toBe("  1...b2");
  expect(columns(0, 0x10, { cpu: 12 })).toBe(" 12....1");
});

test("kernels with common_migrate_disable / common_lock_depth get a digit each ('.' when negative)", () => {
  const extra = ["\tfield:unsigned char common_migrate_disable;\toffset:8;\tsize:1;\tsigned:0;", "\tfield:int common_lock_depth;\toffset:12;\tsize:4;\tsigned:1;"];
  expect(columns(0, 0, { extra, tail: [2, 0, 0, 0, 3, 0, 0, 0] })).toBe("  1.....23");
  expect(columns(0, 0, { extra, tail: [2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff] })).toBe("  1.....2.");
});

test("-R prints -0x<common_flags> instead of the flags", () => {
  expect(columns(0x0d, 0x3, { raw: true })).toBe("  1-0xd");
});

test("latencyTask(): comm cut to 8 characters and right-aligned, pid left-aligned in 5", () => {
  expect(latencyTask("kworker/u4:2", 123)).toBe("kworker/-123   ");
  expect(latencyTask("<idle>", 0)).toBe("  <idle>-0     ");
});
