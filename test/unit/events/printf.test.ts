import { describe, expect, test } from "bun:test";
import { formatInt, formatInt64, formatStr, parseConvSpec } from "../../../src/events/printf.ts";

const spec = (s: string) => parseConvSpec(s)!;

describe("printf", () => {
  test.each([
    ["%d", 0xffffffffn, "-1"],
    ["%u", 0xffffffffffffffffn, "4294967295"],
    ["%hhd", 0x1ffn, "-1"],
    ["%hu", 0x12345n, "9029"],
    ["%lx", 0xffffffffffffffffn, "ffffffffffffffff"],
    ["%lld", 0x8000000000000000n, "-9223372036854775808"],
    ["%08x", 0x2an, "0000002a"],
    ["%-6d|", 42n, "42    |"],
    ["%#x", 0x2an, "0x2a"],
    ["%#o", 8n, "010"],
    ["%.3d", 7n, "007"],
    ["%X", 0xabn, "AB"],
  ] as const)("formatInt() renders %s of %d as %s", (fmt, v, want) => {
    const [conv, rest] = fmt.endsWith("|") ? [fmt.slice(0, -1), "|"] : [fmt, ""];
    expect(formatInt(spec(conv), v) + rest).toBe(want);
  });

  test("formatInt64() agrees with formatInt() on 64-bit halves", () => {
    const values = [0n, 1n, 0x1fffffffffffffn, 0x20000000000000n, 0xffffffff81000000n, 0xfff0000000000000n, 0xffffffffffffffffn];
    for (const conv of ["%ld", "%lu", "%lx", "%llX", "%020lx", "%d"]) {
      for (const v of values) {
        const hi = Number(v >> 32n);
        const lo = Number(v & 0xffffffffn);
        expect({ conv, v, s: formatInt64(spec(conv), hi, lo) }).toEqual({ conv, v, s: formatInt(spec(conv), v) });
      }
    }
  });

  test("formatStr() applies width, precision and a '*' argument", () => {
    expect(formatStr(spec("%-5s"), "ab")).toBe("ab   ");
    expect(formatStr(spec("%5s"), "ab")).toBe("   ab");
    expect(formatStr(spec("%.2s"), "abcd")).toBe("ab");
    expect(formatStr(spec("%.*s"), "abcd", 3)).toBe("abc");
    expect(formatStr(spec("%*s"), "ab", 4)).toBe("  ab");
  });

  test("formatStr() counts width and precision in UTF-8 bytes, as C does", () => {
    expect(formatStr(spec("%4s"), "é")).toBe("  é");
    expect(formatStr(spec("%.2s"), "éa")).toBe("é");
  });
});
