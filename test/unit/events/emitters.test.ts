// The byte path (writeRecord(): emitters written straight into the output) against the text path
// (formatInfo(): printf.ts, pointer.ts, the plugins' strings) on the conversions and plugins that
// have emitters: widths and zero padding, %p of a constant plus a field, %s of a choice or a string
// field, %pS, and the kmem / sched_switch / sched_wakeup plugins, with fixed expectations from
// trace-cmd's rules and many random payloads. Each payload is written twice (the second may come
// from the memo).

import { describe, expect, test } from "bun:test";
import { EventCatalog, parseKallsyms } from "../../../src/events/index.ts";
import { formatText, hex, KALLSYMS, printer, writtenInfo, type FieldDecl } from "./_golden.ts";

/** A deterministic payload generator (xorshift), so failures reproduce. */
function randomBytes(seed: number, n: number): Uint8Array {
  let x = seed | 1;
  return Uint8Array.from({ length: n }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x & 0xff;
  });
}

/** Payloads of `size` bytes with the common fields set, some fields forced to edge values. */
function payloads(id: number, size: number, count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const p = randomBytes(i * 7919 + id, size);
    p[0] = id;
    p[1] = 0;
    if (i % 5 === 0) p.fill(0, 8); // zeros: "(nil)", "0"
    if (i % 7 === 1) p.fill(0xff, 8); // all ones: negative, huge
    if (i % 3 === 2) p.fill(0, 12, 16); // small values in the upper words
    out.push(p);
  }
  return out;
}

function sameOnBothPaths(fields: FieldDecl[], fmt: string, size: number, opts: { system?: string; name?: string } = {}): void {
  const p = printer(fields, fmt, opts);
  for (const payload of payloads(1, size, 300)) {
    const text = p.info(payload);
    expect(p.written(payload)).toEqual([text, text]);
  }
}

const U64_AT_8: FieldDecl[] = [["unsigned long v", 8, 8]];
const S32_AT_8: FieldDecl[] = [["int v", 8, 4, true]];

describe("widths and zero padding", () => {
  test("fixed texts, as glibc pads them", () => {
    const p = printer(U64_AT_8, '"a=%08lx b=%5lu c=%-6lx| d=%3ld", REC->v, REC->v, REC->v, REC->v');
    const v = (n: string) => hex(`01 00 00 00 2a 00 00 00 ${n}`);
    expect(p.written(v("2a 00 00 00 00 00 00 00"))[0]).toBe("a=0000002a b=   42 c=2a    | d= 42");
    expect(p.written(v("fb ff ff ff ff ff ff ff"))[0]).toBe("a=fffffffffffffffb b=18446744073709551611 c=fffffffffffffffb| d= -5");
    const q = printer(S32_AT_8, '"%05d|%-5d|%5d|%02x", REC->v, REC->v, REC->v, REC->v');
    expect(q.written(hex("01 00 00 00 2a 00 00 00 fb ff ff ff"))[0]).toBe("-0005|-5   |   -5|fffffffb");
    expect(q.written(hex("01 00 00 00 2a 00 00 00 07 00 00 00"))[0]).toBe("00007|7    |    7|07");
  });

  test("random values print the same as printf.ts", () => {
    sameOnBothPaths(U64_AT_8, '"%08lx %016llx %3lu %-4lld %020lu %1lx", REC->v, REC->v, REC->v, REC->v, REC->v, REC->v', 16);
    sameOnBothPaths(S32_AT_8, '"%05d %-3u %08x %2d %03hhd %06hx", REC->v, REC->v, REC->v, REC->v, REC->v, REC->v', 12);
  });
});

describe("%p of a constant plus a field", () => {
  const withSymbol = () =>
    new EventCatalog({ littleEndian: true, longSize: 8, symbols: parseKallsyms(`${KALLSYMS}\nffffea0000000000 D vmemmap_base`), printk: new Map() });

  test("carries into the high word and wraps at 64 bits, as bigint addition does", () => {
    const cat = withSymbol();
    const ev = cat.add("kmem", formatText("mm_page_free", 5, [["unsigned long pfn", 8, 8]], '"page=%p", (((struct page *)vmemmap_base) + (REC->pfn))'));
    const page = (pfn: string) => hex(`05 00 00 00 2a 00 00 00 ${pfn}`);
    for (const pfn of ["00 00 00 00 00 00 00 00", "ff ff ff ff 00 00 00 00", "01 00 00 00 00 16 00 00", "00 00 00 00 00 16 00 00", "ff ff ff ff ff ff ff ff"]) {
      expect(writtenInfo(cat, ev, page(pfn))).toBe(cat.formatInfo(ev, page(pfn)));
    }
    expect(writtenInfo(cat, ev, page("ff ff ff ff 00 00 00 00"))).toBe("page=0xffffea00ffffffff");
    expect(writtenInfo(cat, ev, page("00 00 00 00 00 16 00 00"))).toBe("page=(nil)"); // 2^64 wraps to 0
  });

  test("a choice of sums (mm_page_alloc's pfn != -1UL ? ... : NULL) and random values", () => {
    const cat = withSymbol();
    const fmt = '"page=%p pfn=0x%lx", REC->pfn != -1UL ? (((struct page *)vmemmap_base) + (REC->pfn)) : ((void *)0), REC->pfn != -1UL ? REC->pfn : 0';
    const ev = cat.add("kmem", formatText("mm_page_alloc", 7, [["unsigned long pfn", 8, 8]], fmt));
    for (const payload of payloads(7, 16, 200)) expect(writtenInfo(cat, ev, payload)).toBe(cat.formatInfo(ev, payload));
    expect(writtenInfo(cat, ev, hex("07 00 00 00 2a 00 00 00 ff ff ff ff ff ff ff ff"))).toBe("page=(nil) pfn=0x0");
  });
});

describe("%s", () => {
  test("COND ? \"a\" : \"b\" picks by the field's value, 64-bit values included", () => {
    sameOnBothPaths(U64_AT_8, '"w=%s r=%s", REC->v ? "true" : "false", (REC->v & 1) ? "odd" : "even"', 16);
  });

  test("a char array and __get_str(): ASCII copied, bytes >= 0x80 decoded as the text path does", () => {
    const fields: FieldDecl[] = [["char comm[8]", 8, 8], ["__data_loc char[] name", 16, 4]];
    const p = printer(fields, '"comm=%s name=%s", REC->comm, __get_str(name)');
    const rec = (comm: string, name: string) => hex(`01 00 00 00 2a 00 00 00 ${comm} 14 00 04 00 ${name}`);
    const ascii = rec("61 62 63 00 7a 7a 7a 7a", "6b 76 6d 00");
    expect(p.written(ascii)).toEqual([p.info(ascii), p.info(ascii)]);
    expect(p.info(ascii)).toBe("comm=abc name=kvm");
    const utf8 = rec("c3 a9 74 c3 a9 00 00 00", "e2 82 ac 00");
    expect(p.written(utf8)).toEqual([p.info(utf8), p.info(utf8)]);
    const broken = rec("61 ff 62 00 00 00 00 00", "80 81 00 00");
    expect(p.written(broken)).toEqual([p.info(broken), p.info(broken)]);
    const full = rec("61 62 63 64 65 66 67 68", "6b 76 6d 00"); // no NUL: the whole array
    expect(p.written(full)[0]).toBe("comm=abcdefgh name=kvm");
  });
});

describe("%pS and the plugins' byte forms", () => {
  test("%pS/%ps of addresses in, between and outside symbols, many times (the cache)", () => {
    const p = printer(U64_AT_8, '"%pS %ps", (void *)REC->v, (void *)REC->v');
    for (const addr of ["00 10 00 81 ff ff ff ff", "85 10 00 81 ff ff ff ff", "10 00 00 c0 ff ff ff ff", "00 00 00 00 00 00 00 00", "01 00 00 00 00 00 00 00"]) {
      const payload = hex(`01 00 00 00 2a 00 00 00 ${addr}`);
      for (let i = 0; i < 3; i++) expect(p.written(payload)).toEqual([p.info(payload), p.info(payload)]);
    }
    expect(p.info(hex("01 00 00 00 2a 00 00 00 85 10 00 81 ff ff ff ff"))).toBe("do_two+0x5 do_two");
  });

  test("kmem call sites", () => {
    const fields: FieldDecl[] = [["unsigned long call_site", 8, 8], ["const void * ptr", 16, 8]];
    const p = printer(fields, '"call_site=%pS ptr=%p", (void *)REC->call_site, REC->ptr', { system: "kmem", name: "kfree" });
    const hit = hex("01 00 00 00 2a 00 00 00 85 10 00 81 ff ff ff ff 00 10 00 00 00 00 ff ff");
    expect(p.written(hit)[0]).toBe("(do_two+0x5) call_site=do_two+0x5 ptr=0xffff000000001000");
    for (const payload of [...payloads(1, 24, 100), hit]) expect(p.written(payload)).toEqual([p.info(payload), p.info(payload)]);
  });

  const SWITCH: FieldDecl[] = [
    ["char prev_comm[16]", 8, 16],
    ["pid_t prev_pid", 24, 4, true],
    ["int prev_prio", 28, 4, true],
    ["long prev_state", 32, 8, true],
    ["char next_comm[16]", 40, 16],
    ["pid_t next_pid", 56, 4, true],
    ["int next_prio", 60, 4, true],
  ];
  const SWITCH_FMT = '"prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%ld ==> next_comm=%s next_pid=%d next_prio=%d", REC->prev_comm, REC->prev_pid, REC->prev_prio, REC->prev_state, REC->next_comm, REC->next_pid, REC->next_prio';

  test("sched_switch: fixed line, random payloads, non-ASCII comms", () => {
    const p = printer(SWITCH, SWITCH_FMT, { system: "sched", name: "sched_switch" });
    const comm = (s: string) => Buffer.concat([Buffer.from(s), Buffer.alloc(16 - Buffer.byteLength(s))]).toString("hex");
    const rec = (prev: string, next: string, state: string) =>
      hex(`01 00 00 00 2a 00 00 00 ${comm(prev)} 2a 00 00 00 78 00 00 00 ${state} ${comm(next)} 07 00 00 00 8c ff ff ff`);
    expect(p.written(rec("bash", "kworker/0:1", "01 00 00 00 00 00 00 00"))[0]).toBe("bash:42 [120] S ==> kworker/0:1:7 [-116]");
    expect(p.written(rec("a", "b", "00 00 00 00 00 00 00 00"))[0]).toBe("a:42 [120] R ==> b:7 [-116]");
    const odd = [rec("été", "b", "82 00 00 00 00 00 00 00"), rec("a", "日本", "00 01 00 00 00 00 00 00"), rec("x", "y", "ff ff ff ff ff ff ff ff")];
    for (const payload of [...odd, ...payloads(1, 64, 200)]) expect(p.written(payload)).toEqual([p.info(payload), p.info(payload)]);
  });

  test("sched_wakeup with and without its success field", () => {
    const withSuccess: FieldDecl[] = [["char comm[16]", 8, 16], ["pid_t pid", 24, 4, true], ["int prio", 28, 4, true], ["int success", 32, 4, true], ["int target_cpu", 36, 4, true]];
    const without: FieldDecl[] = [["char comm[16]", 8, 16], ["pid_t pid", 24, 4, true], ["int prio", 28, 4, true], ["int target_cpu", 32, 4, true]];
    const fmt = '"comm=%s pid=%d prio=%d target_cpu=%03d", REC->comm, REC->pid, REC->prio, REC->target_cpu';
    for (const fields of [withSuccess, without]) {
      const p = printer(fields, fmt, { system: "sched", name: "sched_wakeup" });
      for (const payload of payloads(1, 40, 200)) expect(p.written(payload)).toEqual([p.info(payload), p.info(payload)]);
    }
    const p = printer(without, fmt, { system: "sched", name: "sched_wakeup" });
    expect(p.written(hex(`01 00 00 00 2a 00 00 00 ${Buffer.from("sh\0\0\0\0\0\0\0\0\0\0\0\0\0\0").toString("hex")} 2a 00 00 00 78 00 00 00 05 00 00 00`))[0]).toBe(
      "sh:42 [120] CPU:005",
    );
  });
});

describe("the memo's trial", () => {
  test("an event that stops using the memo (payloads that never repeat) and one that keeps it print the same", () => {
    const p = printer(U64_AT_8, '"v=%lu", REC->v');
    const rec = (n: number) => hex(`01 00 00 00 2a 00 00 00 ${Buffer.from(new BigUint64Array([BigInt(n)]).buffer).toString("hex")}`);
    for (let n = 0; n < 5000; n++) expect(p.written(rec(n * 977))).toEqual([`v=${n * 977}`, `v=${n * 977}`]);
    const q = printer(U64_AT_8, '"v=%lu", REC->v');
    for (let n = 0; n < 5000; n++) expect(q.written(rec(n % 3))).toEqual([`v=${n % 3}`, `v=${n % 3}`]);
  });
});

describe("[FAILED TO PARSE] listings", () => {
  test("plain number fields of every size, sign and kind print as raw.ts lists them", () => {
    const fields: FieldDecl[] = [
      ["const char * fn", 8, 8],
      ["unsigned long min", 16, 8],
      ["long delta", 24, 8, true],
      ["u64 count", 32, 8],
      ["int err", 40, 4, true],
      ["long small_long", 44, 4, true],
      ["unsigned int flags", 48, 4],
      ["short s", 52, 2, true],
      ["unsigned short us", 54, 2],
      ["char c", 56, 1, true],
      ["unsigned char uc", 57, 1],
      ["void * ptr32", 58, 4],
    ];
    // A raw TAB inside the format string makes libtraceevent (and vtrace) fail the whole format.
    const p = printer(fields, '"%s\tNode %lu", REC->fn, REC->min', { system: "maple_tree", name: "ma_write" });
    expect(p.cat.parseFailure(p.ev)).toBeDefined();
    for (const payload of payloads(1, 62, 300)) {
      const text = p.info(payload);
      expect(text.startsWith("[FAILED TO PARSE] fn=0x")).toBe(true);
      expect(p.written(payload)).toEqual([text, text]);
    }
  });
});
