// Metadata items shared by v6 (in sequence) and v7 (one section each): header page/event,
// ftrace and event formats, kallsyms, printk formats, saved cmdlines.
// Source of truth: trace-cmd 3.1.6.2 items 1–7; trace-cmd 3.1.6 trace-input.c read_header_files() etc.

import { FormatError } from "../../errors.ts";
import type { EventSystemFormats } from "../model.ts";
import type { FieldReader } from "./source-cursor.ts";

function expectTag(r: FieldReader, tag: string): void {
  const at = r.pos;
  const got = r.cstring(`'${tag}' tag`);
  if (got !== tag) throw new FormatError(`expected '${tag}' at offset ${at}, found '${got.slice(0, 32)}'`, { offset: at });
}

export interface HeaderFiles {
  headerPage: Uint8Array;
  headerEvent: Uint8Array;
}

export function decodeHeaderFiles(r: FieldReader): HeaderFiles {
  expectTag(r, "header_page");
  const headerPage = r.bytesN(r.u64n("header_page size"), "header_page");
  expectTag(r, "header_event");
  const headerEvent = r.bytesN(r.u64n("header_event size"), "header_event");
  return { headerPage, headerEvent };
}

export function decodeFtraceFormats(r: FieldReader): Uint8Array[] {
  const count = r.u32("ftrace event count");
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) out.push(r.bytesN(r.u64n(`ftrace format ${i} size`), `ftrace format ${i}`));
  return out;
}

export function decodeEventFormats(r: FieldReader): EventSystemFormats[] {
  const systems = r.u32("event system count");
  const out: EventSystemFormats[] = [];
  for (let s = 0; s < systems; s++) {
    const name = r.cstring(`event system ${s} name`);
    const count = r.u32(`event count of system '${name}'`);
    const formats: Uint8Array[] = [];
    for (let i = 0; i < count; i++) formats.push(r.bytesN(r.u64n(`size of format ${i} of system '${name}'`), `format ${i} of system '${name}'`));
    out.push({ name, formats });
  }
  return out;
}

/** kallsyms and printk: a u32 size and the text. */
export function decodeSized32(r: FieldReader, what: string): Uint8Array {
  return r.bytesN(r.u32(`${what} size`), what);
}

/** cmdlines: a u64 size and the text. */
export function decodeSized64(r: FieldReader, what: string): Uint8Array {
  return r.bytesN(r.u64n(`${what} size`), what);
}

/** The kernel long size: trace-cmd reads it from header_page's `commit` field size, not the file header. */
export function kernelLongSize(headerPage: Uint8Array, fallback: number): number {
  const text = new TextDecoder().decode(headerPage);
  const m = /field:\s*[^;]*\bcommit;\s*offset:\d+;\s*size:(\d+);/.exec(text);
  const size = m ? Number(m[1]) : fallback;
  return size === 4 || size === 8 ? size : fallback;
}
