import { describe, expect, test } from "bun:test";
import { InfoMemo } from "../../../src/events/info-memo.ts";

describe("InfoMemo", () => {
  test("get() misses first, then returns what set() stored for the same bytes", () => {
    const memo = new InfoMemo();
    const page = new Uint8Array([9, 9, 1, 2, 3, 4, 9]);
    expect(memo.get(page, 2, 4)).toBeUndefined();
    memo.set(page.subarray(2, 6), "text");
    expect(memo.get(new Uint8Array([1, 2, 3, 4]), 0, 4)).toBe("text");
  });

  test("get() misses for other bytes or another length", () => {
    const memo = new InfoMemo();
    const key = new Uint8Array([1, 2, 3, 4]);
    memo.get(key, 0, 4);
    memo.set(key, "text");
    expect(memo.get(new Uint8Array([1, 2, 3, 5]), 0, 4)).toBeUndefined();
    expect(memo.get(new Uint8Array([1, 2, 3, 4, 0]), 0, 5)).toBeUndefined();
  });

  test("get() never caches payloads longer than its key size", () => {
    const memo = new InfoMemo();
    const big = new Uint8Array(4096);
    expect(memo.get(big, 0, big.length)).toBeUndefined();
    memo.set(big, "text");
    expect(memo.get(big, 0, big.length)).toBeUndefined();
  });
});
