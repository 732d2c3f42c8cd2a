import { describe, expect, test } from "bun:test";
import { EventCatalog, parseKallsyms } from "../../../src/events/index.ts";
import { memoKeyFrom } from "../../../src/events/catalog.ts";
import { parseEventFormat } from "../../../src/events/format.ts";
import { MemorySink } from "../../../src/lib/byte-sink.ts";
import { catalog, formatText, hex, KALLSYMS } from "./_golden.ts";

const FUNCTION = formatText("function", 1, [["unsigned long ip", 8, 8], ["unsigned long parent_ip", 16, 8]], '" %ps <-- %ps", (void *)REC->ip, (void *)REC->parent_ip');

function fn(ip: string, parent: string): Uint8Array {
  return hex(`01 00 00 00 2a 00 00 00 ${ip} ${parent}`);
}

const DO_ONE = "00 10 00 81 ff ff ff ff";
const DO_TWO = "80 10 00 81 ff ff ff ff";
const STEXT = "00 00 00 81 ff ff ff ff";

describe("EventCatalog", () => {
  test("commonType() and commonPid() read the common fields in the file's byte order", () => {
    const le = catalog();
    const be = catalog({ littleEndian: false });
    expect([le.commonType(hex("2c 01 00 00 fe ff ff ff")), le.commonPid(hex("2c 01 00 00 fe ff ff ff"))]).toEqual([300, -2]);
    expect([be.commonType(hex("01 2c 00 00 00 00 00 07")), be.commonPid(hex("01 2c 00 00 00 00 00 07"))]).toEqual([300, 7]);
  });

  test("add() returns the format and byId() finds it", () => {
    const cat = catalog();
    const ev = cat.add("ftrace", FUNCTION);
    expect(cat.byId(1)).toBe(ev);
    expect(cat.byId(2)).toBeUndefined();
  });

  test("a bare identifier in a print fmt is the address of the kallsyms symbol of that name, else 0 (test_for_symbol)", () => {
    const cat = new EventCatalog({ littleEndian: true, longSize: 8, symbols: parseKallsyms(`${KALLSYMS}\nffffffff82413d50 D vmemmap_base`), printk: new Map() });
    const page = cat.add("kmem", formatText("mm_page_free", 5, [["unsigned long pfn", 8, 8]], '"page=%p pfn=0x%lx", (((struct page *)vmemmap_base) + (REC->pfn)), REC->pfn'));
    const nowhere = cat.add("kmem", formatText("other", 6, [["unsigned long pfn", 8, 8]], '"page=%p", (((struct page *)no_such_symbol) + (REC->pfn))'));
    const pfn = "79 e8 03 00 00 00 00 00";
    expect(cat.formatInfo(page, hex(`05 00 00 00 2a 00 00 00 ${pfn}`))).toBe("page=0xffffffff824525c9 pfn=0x3e879");
    expect(cat.formatInfo(nowhere, hex(`06 00 00 00 2a 00 00 00 ${pfn}`))).toBe("page=0x3e879");
  });

  test("add() never throws for a bad print fmt and parseFailure() says why", () => {
    const cat = catalog();
    const ev = cat.add("s", formatText("bad", 3, [["int a", 8, 4, true]], '"%d", ({ int x = 1; x; })'));
    expect(cat.parseFailure(ev)).toContain("statement expressions");
    expect(cat.formatInfo(ev, hex("03 00 00 00 2a 00 00 00 05 00 00 00"))).toBe("[FAILED TO PARSE] a=5");
  });

  test("formatInfo() indents ftrace:function per CPU from the callers seen, as plugin_function does", () => {
    const cat = catalog();
    const ev = cat.add("ftrace", FUNCTION);
    const lines = [
      cat.formatInfo(ev, fn(DO_ONE, STEXT), false, { cpu: 0 }), // _stext -> do_one: depth 0
      cat.formatInfo(ev, fn(DO_TWO, DO_ONE), false, { cpu: 0 }), // do_one -> do_two: depth 1
      cat.formatInfo(ev, fn(DO_TWO, DO_ONE), false, { cpu: 1 }), // other CPU: fresh stack
      cat.formatInfo(ev, fn(DO_ONE, STEXT), false, { cpu: 0 }), // back to depth 0
    ];
    expect(lines).toEqual(["do_one", "   do_two", "do_two", "do_one"]);
  });

  test("formatInfo() stops at a NUL, as trace-cmd prints info with %.*s", () => {
    const cat = catalog();
    const ev = cat.add("kvmmmu", formatText("kvm_mmu_sync_page", 4, [["__u64 gfn", 8, 8], ["__u32 role", 16, 4], ["__u32 root_count", 20, 4], ["bool unsync", 24, 1]], '"x"'));
    const payload = hex(`04 00 00 00 2a 00 00 00  00 00 00 00 00 00 00 00  91 00 00 00  02 00 00 00  01 00 00 00`);
    // role 0x91: level 1, cr4_pae, direct; plugin_kvm prints "...unsync" then a NUL
    expect(cat.formatInfo(ev, payload)).toBe("1 q0 direct --- pae !nxe !wp root 2 unsync");
  });

  test("formatInfo() resolves %pS through a SymbolTable that only has lookup()", () => {
    const table = parseKallsyms(KALLSYMS);
    const cat = new EventCatalog({ littleEndian: true, longSize: 8, symbols: { lookup: (a) => table.lookup(a) }, printk: new Map() });
    const ev = cat.add("s", formatText("e", 5, [["unsigned long ip", 8, 8]], '"%pS %ps", (void *)REC->ip, (void *)REC->ip'));
    const payload = hex(`05 00 00 00 2a 00 00 00 ${"90 10 00 81 ff ff ff ff"}`);
    expect([cat.formatInfo(ev, payload), cat.formatInfo(ev, payload)]).toEqual(["do_two+0x10 do_two", "do_two+0x10 do_two"]);
  });
});

describe("the memo leaves the common fields out of its key only when the text reads none", () => {
  const payload = (pid: number, value: number) => {
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    v.setUint16(0, 7, true);
    v.setInt32(4, pid, true);
    v.setUint32(8, value, true);
    return b;
  };
  const texts = (printFmt: string) => {
    const cat = catalog();
    const ev = cat.add("test", formatText("ev", 7, [["unsigned int value", 8, 4]], printFmt));
    // Enough lookups for the memo's trial, pids changing with the same value: all from the memo
    // when the key leaves the pid out, and the pid must still show where the fmt prints it.
    return Array.from({ length: 300 }, (_, i) => {
      const out = new MemorySink();
      cat.writeRecord(out, ev, payload(100 + i, 5), 0, 16, false);
      return out.text();
    });
  };

  test("memoKeyFrom() is past the common fields for a plain fmt, 0 for one naming a common field", () => {
    expect(memoKeyFrom(parseEventFormat(formatText("ev", 7, [["unsigned int value", 8, 4]], '"v=%u", REC->value'), "test"))).toBe(8);
    expect(memoKeyFrom(parseEventFormat(formatText("ev", 7, [["unsigned int value", 8, 4]], '"v=%u pid=%d", REC->value, REC->common_pid'), "test"))).toBe(0);
  });

  test("records that differ in their pid print the same text, or each its own pid when the fmt shows it", () => {
    expect(new Set(texts('"v=%u", REC->value'))).toEqual(new Set(["v=5"]));
    const withPid = texts('"v=%u pid=%d", REC->value, REC->common_pid');
    expect(withPid[0]).toBe("v=5 pid=100");
    expect(withPid[299]).toBe("v=5 pid=399");
    expect(new Set(withPid).size).toBe(300);
  });
});
