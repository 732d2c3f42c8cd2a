// DumpInput: trace-cmd dump's fd + compression-buffer reads, and the printf conversions it prints with.

import { describe, expect, test } from "bun:test";
import { TruncatedError } from "../../../../src/errors.ts";
import { DumpInput } from "../../../../src/tracedat/dump/dump-input.ts";
import { dumpItemsFor, SUMMARY, HEAD_PAGE, ALL } from "../../../../src/tracedat/dump/items.ts";
import { cHex64, cInt, cLongLongNoZero } from "../../../../src/tracedat/dump/printf.ts";
import { DECOMPRESSORS } from "../../../../src/tracedat/reader/compress.ts";
import { memorySource } from "../../../../src/tracedat/reader/byte-source.ts";

/** A zstd block as trace-cmd writes it: u32 compressed size, u32 size, the frame; then "tail". */
function blockFile(content: Uint8Array): Uint8Array {
  const z = Bun.zstdCompressSync(content);
  const out = new Uint8Array(8 + z.length + 4);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, z.length, true);
  dv.setUint32(4, content.length, true);
  out.set(z, 8);
  out.set(new TextEncoder().encode("tail"), 8 + z.length);
  return out;
}

describe("DumpInput", () => {
  test("openBlock() reads from the decompressed bytes while seeks and the fd stay on the file", () => {
    const bytes = blockFile(new Uint8Array([1, 0, 2, 0, 0, 0, 0x41, 0x42, 0]));
    const input = new DumpInput(memorySource(bytes));
    input.decompress = DECOMPRESSORS.zstd;
    expect(input.openBlock()).toBe(true);
    expect(input.pos).toBe(bytes.length - 4);
    expect([input.u16("a"), input.u32("b")]).toEqual([1, 2]);
    expect(new TextDecoder().decode(input.cstring("c"))).toBe("AB");
    expect(() => input.u16("past the block")).toThrow(TruncatedError);
    input.closeBlock();
    expect(new TextDecoder().decode(input.bytes(4, "tail"))).toBe("tail");
  });

  test("openBlock() is a no-op without a decompressor (compression 'none'), as in trace-cmd", () => {
    const input = new DumpInput(memorySource(new Uint8Array([5, 0])));
    expect(input.openBlock()).toBe(true);
    expect(input.inBlock).toBe(false);
    expect(input.u16("n")).toBe(5);
  });

  test("tryNumber() reads nothing past 8 bytes and keeps no value for odd sizes", () => {
    const input = new DumpInput(memorySource(new Uint8Array(16).fill(1)));
    expect(input.tryNumber(9)).toBeUndefined();
    expect(input.pos).toBe(0);
    expect(input.tryNumber(3)).toBeUndefined();
    expect(input.pos).toBe(3);
  });

  test("tryCString() gives up after 1024 bytes without a NUL", () => {
    expect(new DumpInput(memorySource(new Uint8Array(2000).fill(65))).tryCString()).toBeUndefined();
    expect(new DumpInput(memorySource(new Uint8Array([...new Array(1023).fill(65), 0]))).tryCString()?.length).toBe(1023);
  });

  test("seekBy() refuses to go below offset 0 and stays put", () => {
    const input = new DumpInput(memorySource(new Uint8Array(8)));
    input.seek(4);
    expect(input.seekBy(-8n)).toBe(false);
    expect(input.pos).toBe(4);
  });
});

describe("printf conversions and items", () => {
  test("cLongLongNoZero() prints 0 as blanks, others right-aligned", () => {
    expect([cLongLongNoZero(0n, 10), cLongLongNoZero(4096n, 10), cLongLongNoZero(-1n, 3)]).toEqual(["          ", "      4096", " -1"]);
  });

  test("cInt() shows the low 32 bits signed; cHex64() two's complement", () => {
    expect([cInt(0xffffffffn), cInt(0x1_0000_0005n), cHex64(-1n)]).toEqual(["-1", "5", "FFFFFFFFFFFFFFFF"]);
  });

  test("dumpItemsFor() defaults to the summary, but not with -v", () => {
    expect([dumpItemsFor([], false), dumpItemsFor([], true), dumpItemsFor(["head-page"], false), dumpItemsFor(["all"], false)]).toEqual([SUMMARY, 0, HEAD_PAGE, ALL]);
  });
});
