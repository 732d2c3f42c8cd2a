import { describe, expect, test } from "bun:test";
import { InfoMemo } from "../../../src/events/info-memo.ts";
import { MemorySink } from "../../../src/lib/byte-sink.ts";

const TEXT = new TextEncoder().encode("xxtext");

describe("InfoMemo", () => {
  test("find() misses first, then finds what store() kept for the same bytes, and copyOut() writes it", () => {
    const memo = new InfoMemo();
    const page = new Uint8Array([9, 9, 1, 2, 3, 4, 9]);
    expect(memo.find(page, 2, 4)).toBe(-1);
    memo.store(page, 2, 4, TEXT, 2, 4);
    const slot = memo.find(new Uint8Array([1, 2, 3, 4]), 0, 4);
    expect(slot).toBeGreaterThanOrEqual(0);
    expect(memo.textOf(slot)).toBe("text");
    const out = new MemorySink();
    out.write("a:");
    memo.copyOut(slot, out);
    expect(out.text()).toBe("a:text");
  });

  test("find() misses for other bytes or another length", () => {
    const memo = new InfoMemo();
    const key = new Uint8Array([1, 2, 3, 4]);
    memo.find(key, 0, 4);
    memo.store(key, 0, 4, TEXT, 0, 6);
    expect(memo.find(new Uint8Array([1, 2, 3, 5]), 0, 4)).toBe(-1);
    expect(memo.find(new Uint8Array([1, 2, 3, 4, 0]), 0, 5)).toBe(-1);
    expect(memo.find(key, 0, 4)).toBeGreaterThanOrEqual(0);
  });

  test("never caches payloads longer than its key size, nor texts longer than its text size", () => {
    const memo = new InfoMemo();
    const big = new Uint8Array(4096);
    expect(memo.find(big, 0, big.length)).toBe(-1);
    memo.store(big, 0, big.length, TEXT, 0, 6);
    expect(memo.find(big, 0, big.length)).toBe(-1);
    const key = new Uint8Array([7]);
    memo.find(key, 0, 1);
    memo.store(key, 0, 1, new Uint8Array(1000), 0, 1000);
    expect(memo.find(key, 0, 1)).toBe(-1);
  });
});

test("InfoMemo finds a payload stored from a word-aligned page at an unaligned place too, and odd lengths work", () => {
  const memo = new InfoMemo();
  const aligned = new Uint8Array(64);
  aligned.set([1, 2, 3, 4, 5, 6, 7, 8], 8);
  expect(memo.find(aligned, 8, 8)).toBe(-1);
  memo.store(aligned, 8, 8, TEXT, 0, 6);
  const unaligned = new Uint8Array(64);
  unaligned.set([1, 2, 3, 4, 5, 6, 7, 8], 5);
  const slot = memo.find(unaligned, 5, 8);
  expect(slot).toBeGreaterThanOrEqual(0);
  expect(memo.textOf(slot)).toBe("xxtext");
  unaligned[12] = 9; // last byte differs
  expect(memo.find(unaligned, 5, 8)).toBe(-1);
  const odd = new Uint8Array([5, 6, 7]);
  memo.find(odd, 0, 3);
  memo.store(odd, 0, 3, TEXT, 2, 4);
  expect(memo.textOf(memo.find(new Uint8Array([0, 5, 6, 7]), 1, 3))).toBe("text");
});

describe("InfoMemo keyed past the common fields (keyFrom)", () => {
  // type 0x0102, flags, preempt count, pid, then 8 bytes of the event's own fields.
  const record = (type: number, flags: number, pid: number, own: number) => {
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    v.setUint16(0, type, true);
    b[2] = flags;
    b[3] = 1;
    v.setInt32(4, pid, true);
    v.setUint32(8, own, true);
    v.setUint32(12, own ^ 0xffff, true);
    return b;
  };

  test("with keyFrom 8 another pid, flags or preempt count hits; another type or own field misses", () => {
    const memo = new InfoMemo();
    const first = record(0x0102, 0, 100, 7);
    expect(memo.find(first, 0, 16, 8)).toBe(-1);
    memo.store(first, 0, 16, TEXT, 0, 6);
    const otherTask = record(0x0102, 0x0d, 4242, 7);
    otherTask[3] = 9;
    expect(memo.find(otherTask, 0, 16, 8)).toBeGreaterThanOrEqual(0);
    expect(memo.find(record(0x0103, 0, 100, 7), 0, 16, 8)).toBe(-1);
    expect(memo.find(record(0x0102, 0, 100, 8), 0, 16, 8)).toBe(-1);
  });

  test("without keyFrom the whole payload is the key, as before", () => {
    const memo = new InfoMemo();
    const first = record(0x0102, 0, 100, 7);
    memo.find(first, 0, 16);
    memo.store(first, 0, 16, TEXT, 0, 6);
    expect(memo.find(record(0x0102, 0, 101, 7), 0, 16)).toBe(-1);
    expect(memo.find(record(0x0102, 0, 100, 7), 0, 16)).toBeGreaterThanOrEqual(0);
  });

  test("a keyFrom past the payload falls back to the whole payload", () => {
    const memo = new InfoMemo();
    const first = record(0x0102, 0, 100, 7);
    memo.find(first, 0, 16, 32);
    memo.store(first, 0, 16, TEXT, 0, 6);
    expect(memo.find(record(0x0102, 0, 101, 7), 0, 16, 32)).toBe(-1);
  });
});
