import { describe, expect, test } from "bun:test";
import { formatBytes, parseByteSize, RecordingBudget } from "../../../src/listen/limits.ts";
import { UsageError } from "../../../src/errors.ts";

describe("parseByteSize", () => {
  test.each([
    ["0", 0],
    ["4096", 4096],
    ["100k", 100 * 1024],
    ["512M", 512 * 2 ** 20],
    ["4G", 4 * 2 ** 30],
    ["4GiB", 4 * 2 ** 30],
    ["4gb", 4 * 2 ** 30],
    ["1.5G", 1.5 * 2 ** 30],
    ["2T", 2 * 2 ** 40],
    [" 8m ", 8 * 2 ** 20],
  ])("%p is %d bytes", (text, n) => {
    expect(parseByteSize(text, "--max-size")).toBe(n);
  });

  test.each(["", "G", "-1", "4X", "4 G B", "1e9", "0x10", "99999999999999T"])("%p is a UsageError naming the option", (text) => {
    expect(() => parseByteSize(text, "--min-free")).toThrow(UsageError);
    expect(() => parseByteSize(text, "--min-free")).toThrow(`invalid --min-free '${text}'`);
  });
});

test("formatBytes", () => {
  expect(formatBytes(0)).toBe("0 bytes");
  expect(formatBytes(1023)).toBe("1023 bytes");
  expect(formatBytes(1536)).toBe("1.5 KiB");
  expect(formatBytes(4 * 2 ** 30)).toBe("4 GiB");
});

describe("RecordingBudget", () => {
  test("takes bytes up to its cap exactly", () => {
    const b = new RecordingBudget(10);
    expect(b.take(4)).toBe(true);
    expect(b.take(6)).toBe(true);
    expect(b.used).toBe(10);
    expect(b.exceeded).toBe(false);
    expect(b.take(0)).toBe(true);
  });

  test("once over, it refuses everything, even what would fit", () => {
    const b = new RecordingBudget(10);
    expect(b.take(8)).toBe(true);
    expect(b.take(3)).toBe(false);
    expect(b.exceeded).toBe(true);
    expect(b.take(1)).toBe(false);
    expect(b.used).toBe(8);
  });
});
