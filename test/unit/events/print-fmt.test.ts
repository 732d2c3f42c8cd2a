import { describe, expect, test } from "bun:test";
import { GOLDEN } from "./_golden-cases.ts";
import { hex, printer } from "./_golden.ts";

describe("EventCatalog.formatInfo() golden vectors", () => {
  test.each(GOLDEN.map((c) => [c.what, c] as const))("formatInfo() %s", (_what, c) => {
    const p = printer(c.fields, c.fmt, { littleEndian: c.littleEndian, longSize: c.longSize, system: c.system, name: c.name });
    const payload = hex(c.payload);
    const got = { info: p.info(payload), ...(c.raw !== undefined ? { raw: p.raw(payload) } : {}) };
    expect(got).toEqual({ info: c.info, ...(c.raw !== undefined ? { raw: c.raw } : {}) });
    expect(p.written(payload)).toEqual([c.info, c.info]);
  });
});

describe("%#x written as bytes", () => {
  test("the byte path prints %#x, %#lx and %#hx as printf does: 0x before a value, a bare 0 for zero", () => {
    const p = printer(
      [["unsigned int a", 8, 4], ["unsigned long b", 16, 8], ["unsigned short c", 24, 2], ["unsigned int z", 28, 4], ["unsigned long w", 32, 8]],
      '"a=%#x b=%#lx c=%#hx z=%#x w=%#lx", REC->a, REC->b, REC->c, REC->z, REC->w',
    );
    const payload = new Uint8Array(40);
    const v = new DataView(payload.buffer);
    v.setUint16(0, 1, true);
    v.setUint32(8, 0x2a, true);
    v.setBigUint64(16, 0xffffffff00000001n, true);
    v.setUint16(24, 0xbeef, true);
    const want = "a=0x2a b=0xffffffff00000001 c=0xbeef z=0 w=0";
    expect(p.info(payload)).toBe(want);
    expect(p.written(payload)).toEqual([want, want]);
  });
});

describe("comparisons with constants past 2^53", () => {
  // The number evaluator answers them from the exact side; the bigint one where that side is not exact.
  const p = printer(
    [["unsigned long x", 8, 8]],
    '"a=%d b=%d c=%d d=%d f=%d e=%s p=%p", REC->x != -1UL, REC->x < -1UL, -1UL > REC->x, (u64)-1 == REC->x, -1UL <= REC->x, REC->x >= 18446744073709551615ULL ? "max" : "below", REC->x != -1UL ? ((void *)0x1000 + REC->x) : ((void *)0)',
  );
  const record = (x: bigint) => {
    const payload = new Uint8Array(16);
    new DataView(payload.buffer).setBigUint64(8, x, true);
    return payload;
  };
  test.each([
    [5n, "a=1 b=1 c=1 d=0 f=0 e=below p=0x1005"],
    [0xffffffffffffffffn, "a=0 b=0 c=0 d=1 f=1 e=max p=(nil)"],
    [1n << 60n, "a=1 b=1 c=1 d=0 f=0 e=below p=0x1000000000001000"],
  ])("x = %p", (x, want) => {
    expect(p.info(record(x))).toBe(want);
    expect(p.written(record(x))).toEqual([want, want]);
  });
});
