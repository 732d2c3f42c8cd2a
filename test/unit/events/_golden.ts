// Helpers for hand-written golden vectors: a format file from field declarations, and payload
// bytes from annotated hex ("01 00  # common_type 1").
import { MemorySink } from "../../../src/lib/byte-sink.ts";
import { EventCatalog, parseKallsyms, parsePrintkFormats, type EventFormat, type RecordInfo } from "../../../src/events/index.ts";

export type FieldDecl = [decl: string, offset: number, size: number, signed?: boolean];

const COMMON: FieldDecl[] = [
  ["unsigned short common_type", 0, 2],
  ["unsigned char common_flags", 2, 1],
  ["unsigned char common_preempt_count", 3, 1],
  ["int common_pid", 4, 4, true],
];

export function formatText(name: string, id: number, fields: FieldDecl[], printFmt: string): string {
  const line = ([d, o, s, signed]: FieldDecl) => `\tfield:${d};\toffset:${o};\tsize:${s};\tsigned:${signed ? 1 : 0};\n`;
  return `name: ${name}\nID: ${id}\nformat:\n${COMMON.map(line).join("")}\n${fields.map(line).join("")}\nprint fmt: ${printFmt}\n`;
}

/** Bytes from hex pairs; `#` starts a comment that runs to the end of the line. */
export function hex(text: string): Uint8Array {
  const digits = text.replace(/#[^\n]*/g, "").replace(/\s+/g, "");
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`bad hex in golden payload: ${digits}`);
  return Uint8Array.from(digits.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
}

export const KALLSYMS = [
  "ffffffff81000000 T _stext",
  "ffffffff81001000 T do_one",
  "ffffffff81001080 t do_two",
  "ffffffff81002000 A abs_sym",
  "ffffffffc0000000 t mod_fn\t[mymod]",
].join("\n");

export const PRINTK = '0xffffffff82000000 : "hello %d\\n"\n0xffffffff82000100 : "const string"\n';

export function catalog(opts: { littleEndian?: boolean; longSize?: number } = {}): EventCatalog {
  return new EventCatalog({
    littleEndian: opts.littleEndian ?? true,
    longSize: opts.longSize ?? 8,
    symbols: parseKallsyms(KALLSYMS),
    printk: parsePrintkFormats(PRINTK),
  });
}

/** One-event catalog: add the format and return a printer for payloads. */
export function printer(fields: FieldDecl[], printFmt: string, opts: { littleEndian?: boolean; longSize?: number; system?: string; name?: string } = {}) {
  const cat = catalog(opts);
  const ev: EventFormat = cat.add(opts.system ?? "test", formatText(opts.name ?? "ev", 1, fields, printFmt));
  return {
    cat,
    ev,
    info: (payload: Uint8Array) => cat.formatInfo(ev, payload),
    raw: (payload: Uint8Array) => cat.formatInfo(ev, payload, true),
    written: (payload: Uint8Array) => [writtenInfo(cat, ev, payload), writtenInfo(cat, ev, payload)],
  };
}

/**
 * writeRecord() (the report's byte path: emitters, the memo) of a payload placed inside a page, as
 * text. Called twice for the same payload, the second answer comes from the memo.
 */
export function writtenInfo(cat: EventCatalog, ev: EventFormat, payload: Uint8Array, rec?: RecordInfo): string {
  const page = new Uint8Array(payload.length + 16);
  page.set(payload, 8);
  const out = new MemorySink();
  cat.writeRecord(out, ev, page, 8, payload.length, false, rec);
  return out.text();
}
