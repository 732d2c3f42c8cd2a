import { describe, expect, test } from "bun:test";
import { ByteWriter } from "../../../src/lib/writer.ts";
import { lastDoneNextOffset, layoutV7Tail } from "../../../src/tracedat/writer-v7-buffer.ts";
import { FormatError } from "../../../src/errors.ts";

/** Two chained OPTIONS sections at 100 and 140: {TRACECLOCK "x"} DONE→140, {DONE→0}. */
function chain(): Uint8Array {
  const w = new ByteWriter(true, 256).zeros(100);
  w.u16(0).u16(0).i32(-1).u64(6 + 2 + 6 + 8); // section 1 body: option 4 (2 bytes) + DONE
  w.u16(4).u32(2).text("x").u8(0).u16(0).u32(8).u64(140);
  w.zeros(140 - w.length);
  w.u16(0).u16(0).i32(-1).u64(14).u16(0).u32(8).u64(0);
  return w.finish();
}

describe("lastDoneNextOffset()", () => {
  test("follows the chain to the DONE whose next is 0", () => {
    expect(lastDoneNextOffset(chain(), true, 100)).toBe(140 + 16 + 6);
  });

  test("refuses a compressed OPTIONS section and a loop", () => {
    const bad = chain();
    bad[102] = 1;
    expect(() => lastDoneNextOffset(bad, true, 100)).toThrow(FormatError);
    const loop = chain();
    new DataView(loop.buffer).setBigUint64(140 + 16 + 6, 100n, true);
    expect(() => lastDoneNextOffset(loop, true, 100)).toThrow("loops");
  });
});

describe("layoutV7Tail()", () => {
  test("puts the BUFFER section right after the metadata and each CPU on a page boundary", () => {
    const t = layoutV7Tail(5000, [8192, 4096], "x86-tsc", 4096, true);
    expect(t.dataOffsets).toEqual([8192, 16384]);
    expect(t.optionsOffset).toBe(16384 + 4096);
    const dv = new DataView(t.bufferHead.buffer);
    expect({ id: dv.getUint16(0, true), strId: dv.getInt32(4, true), size: Number(dv.getBigUint64(8, true)), len: t.bufferHead.length }).toEqual({
      id: 3,
      strId: -1,
      size: 16384 + 4096 - 5000 - 16,
      len: 8192 - 5000,
    });
    // OPTIONS section: header, BUFFER option (offset 5000, "", "x86-tsc", page, 2 cpus, table), DONE 0
    const o = new DataView(t.options.buffer);
    expect([o.getUint16(0, true), o.getUint16(16, true), Number(o.getBigUint64(22, true))]).toEqual([0, 3, 5000]);
    expect(new TextDecoder().decode(t.options.subarray(31, 38))).toBe("x86-tsc");
    expect(Number(o.getBigUint64(t.options.length - 8, true))).toBe(0);
  });
});
