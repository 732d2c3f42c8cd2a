import { describe, expect, test } from "bun:test";
import { decodeKallsyms, parseKallsyms, parsePrintkFormats } from "../../../src/events/index.ts";

const KALLSYMS = [
  "ffffffff81000000 T _stext",
  "ffffffff81001000 T do_one",
  "ffffffff81001080 t do_two",
  "ffffffff81001100 A abs_sym",
  "ffffffff81001200 t $x",
  "ffffffffc0000000 t mod_fn\t[mymod]",
  "not a symbol line",
].join("\n");

describe("parseKallsyms()", () => {
  const syms = parseKallsyms(KALLSYMS);

  test("lookup() finds the symbol an address falls in", () => {
    expect(syms.lookup(0xffffffff81001010n)).toEqual({ name: "do_one", start: 0xffffffff81001000n });
    expect(syms.lookup(0xffffffff81001080n)).toEqual({ name: "do_two", start: 0xffffffff81001080n });
  });

  test("lookup() skips absolute ('A'/'a') symbols and '$' names, as tep_parse_kallsyms() does", () => {
    expect(syms.lookup(0xffffffff81001150n)?.name).toBe("do_two");
    expect(syms.lookup(0xffffffff81001250n)?.name).toBe("do_two");
  });

  test("lookup() keeps the module of a module symbol", () => {
    expect(syms.lookup(0xffffffffc0000000n)).toEqual({ name: "mod_fn", start: 0xffffffffc0000000n, module: "mymod" });
  });

  test("lookup() finds nothing below the first symbol or past the last one", () => {
    expect(syms.lookup(0x1000n)).toBeUndefined();
    expect(syms.lookup(0xffffffffc0000010n)).toBeUndefined();
  });

  test("lookupParts() agrees with lookup() and gives the offset", () => {
    expect(syms.lookupParts!(0xffffffff, 0x81001010)).toEqual({ name: "do_one", offset: 0x10 });
    expect(syms.lookupParts!(0, 0x1000)).toBeUndefined();
  });
});

describe("parsePrintkFormats()", () => {
  test("parsePrintkFormats() maps addresses to strings without quotes and a trailing \\n", () => {
    const map = parsePrintkFormats('0xffffffff8281a98f : "thaw_processes"\n0xffffffff82000000 : "hello %d\\n"\n');
    expect([...map]).toEqual([
      [0xffffffff8281a98fn, "thaw_processes"],
      [0xffffffff82000000n, "hello %d"],
    ]);
  });
});

describe("decodeKallsyms()", () => {
  test("decodeKallsyms() sorts out-of-order lines, equal addresses in file order", () => {
    const text = ["ffffffffc0000000 t mod_fn\t[mymod]", "ffffffff81001000 T b_first", "ffffffff81000000 T _stext", "ffffffff81001000 T b_second"].join("\n");
    const syms = decodeKallsyms(new TextEncoder().encode(text));
    expect(syms.lookup(0xffffffff81000010n)).toEqual({ name: "_stext", start: 0xffffffff81000000n });
    expect(syms.lookup(0xffffffff81001010n)?.name).toBe("b_second");
    expect(syms.lookup(0xffffffffc0000000n)).toEqual({ name: "mod_fn", start: 0xffffffffc0000000n, module: "mymod" });
  });

  test("decodeKallsyms() agrees with parseKallsyms() on text", () => {
    const bytes = new TextEncoder().encode(KALLSYMS);
    expect(decodeKallsyms(bytes).lookupParts!(0xffffffff, 0x81001090)).toEqual(parseKallsyms(KALLSYMS).lookupParts!(0xffffffff, 0x81001090));
  });
});

describe("decodeKallsyms() order", () => {
  test("decodeKallsyms() finds every symbol of a shuffled table, as a sorted one does", () => {
    const addrs = Array.from({ length: 300 }, (_, i) => 0xffffffff81000000n + BigInt(i) * 0x40n);
    const shuffled = addrs.map((a, i) => ({ a, k: (i * 7919) % 300 })).sort((x, y) => x.k - y.k);
    const text = shuffled.map(({ a }) => `${a.toString(16)} T f_${a.toString(16)}`).join("\n");
    const syms = decodeKallsyms(new TextEncoder().encode(text));
    // offsets into each symbol but the last (nothing lies past the last one, as in libtraceevent)
    for (const a of addrs) expect(syms.lookup(a === addrs.at(-1) ? a : a + 0x10n)?.name).toBe(`f_${a.toString(16)}`);
  });

  test("decodeKallsyms() orders by every 16-bit digit of the address, equal addresses in file order", () => {
    // Shuffled addresses that differ in each digit, with high halves 0, 0x2, 0x10000 and 0xffffffff.
    const addrs = [0x1_0000_0000_0000n, 0xffffffff_c0010000n, 0x2000n, 0xffffffff_81000000n, 0xffffffff_81010000n, 0x2_0001_0000n, 0xffffffff_c0000040n];
    const text = [...addrs.map((a) => `${a.toString(16).padStart(16, "0")} t f_${a.toString(16)}`), `${(0x2000).toString(16).padStart(16, "0")} t f_2000_second`].join("\n");
    const syms = decodeKallsyms(new TextEncoder().encode(text));
    const sorted = [...addrs].sort((x, y) => (x < y ? -1 : 1));
    for (const [i, a] of sorted.entries()) {
      const name = a === 0x2000n ? "f_2000_second" : `f_${a.toString(16)}`;
      expect(syms.lookup(i === sorted.length - 1 ? a : a + 4n)?.name).toBe(name);
    }
  });
});

describe("compact()", () => {
  test("a compacted table answers every lookup, module and addressOf() as before, and the text can change after", () => {
    const lines = Array.from({ length: 200 }, (_, i) => `${(0xffffffff81000000n + BigInt((i * 37) % 200) * 0x40n).toString(16)} ${i % 3 ? "t" : "T"} fn_${i}${i % 5 === 0 ? `\t[mod${i % 2}]` : ""}`);
    const probe = (t: ReturnType<typeof decodeKallsyms>) => Array.from({ length: 200 }, (_, i) => t.lookup(0xffffffff81000000n + BigInt(i) * 0x40n + 8n));
    const before = probe(decodeKallsyms(new TextEncoder().encode(lines.join("\n"))));
    expect(before.filter((s) => s?.module === "mod0").length).toBeGreaterThan(0);
    const text = new TextEncoder().encode(lines.join("\n"));
    const syms = decodeKallsyms(text);
    syms.compact!();
    text.fill(0x3f); // the table no longer reads the text: every name comes from its own blob
    expect(probe(syms)).toEqual(before);
    expect(syms.addressOf!("fn_7")).toBe(0xffffffff81000000n + BigInt((7 * 37) % 200) * 0x40n);
    syms.compact!();
    expect(probe(syms)).toEqual(before);
  });
});
