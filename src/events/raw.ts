// Raw field listing: ` name=value` for every non-common field, as `trace-cmd report -R` and
// `[FAILED TO PARSE]` print it. A field that the print fmt prints directly uses that conversion
// (with a "0x" the format put before it); the others print raw.
// Source of truth: libtraceevent src/event-parse.c print_selected_fields(), print_field(),
// print_field_raw(), is_printable_array().

import { cString, dynamicLoc, readU, type FieldInfo, type Rec } from "./field-info.ts";
import type { PieceInfo } from "./print-fmt/compile.ts";

export type RawPrinter = (r: Rec) => string;

export function compileRawFields(fields: FieldInfo[], pieces: PieceInfo[] | undefined, longSize: number): RawPrinter {
  const printers = fields.map((f) => ({ f, raw: rawField(f, longSize) }));
  if (!pieces || pieces.length === 0) {
    return (r) => printers.map(({ f, raw }) => ` ${f.name}=${raw(r)}`).join("");
  }
  return (r) => {
    let out = "";
    // `at` is libtraceevent's parse_ptr: after the last piece matched it is NULL (-1) for good.
    let at = 0;
    for (const { f, raw } of printers) {
      out += ` ${f.name}=`;
      const hit = at < 0 || f.isArray || f.isString ? undefined : findPiece(pieces, at, f.name);
      if (hit) {
        out += (hit.has0x ? "0x" : "") + pieces[hit.index]!.run(r);
        at = hit.index + 1 < pieces.length ? hit.index + 1 : -1;
      } else {
        out += raw(r);
      }
    }
    return out;
  };
}

/** Cyclic search from `start` for a conversion printing `name`, tracking a preceding "0x". */
function findPiece(pieces: PieceInfo[], start: number, name: string): { index: number; has0x: boolean } | undefined {
  let has0x = false;
  for (let n = 0; n < pieces.length; n++) {
    const i = (start + n) % pieces.length;
    const p = pieces[i]!;
    if (p.kind === "literal") {
      has0x = p.text.length > 1 && p.text.endsWith("0x");
      continue;
    }
    if (p.field === name) return { index: i, has0x };
    has0x = false;
  }
  return undefined;
}

function isPrintable(bytes: Uint8Array): boolean {
  for (const c of bytes) {
    if (c === 0) break;
    const print = c >= 0x20 && c < 0x7f;
    const space = c === 0x20 || (c >= 0x09 && c <= 0x0d);
    if (!print && !space) return false;
  }
  return true;
}

/**
 * `len` bytes at `offset`, even past the end of the record: libtraceevent reads a fixed array at
 * its declared size, and ftrace:kernel_stack records are shorter than their `caller[8]` field. The
 * bytes that follow in the same buffer (the rest of the page) are what it then prints.
 */
function bytesPastRecord(r: Rec, offset: number, len: number): Uint8Array {
  if (offset + len <= r.bytes.length) return r.bytes.subarray(offset, offset + len);
  const start = r.bytes.byteOffset + offset;
  const avail = Math.max(0, Math.min(len, r.bytes.buffer.byteLength - start));
  const out = new Uint8Array(len);
  out.set(new Uint8Array(r.bytes.buffer, start, avail));
  return out;
}

export function rawField(f: FieldInfo, longSize: number): (r: Rec) => string {
  void longSize;
  if (f.isArray) return rawArray(f);
  return (r) => {
    const v = readU(r, f.offset, f.size);
    if (f.isPointer) return `0x${v.toString(16)}`;
    if (f.signed) {
      switch (f.size) {
        case 4:
          return f.isLong ? `0x${(v & 0xffffffffn).toString(16)}` : String(BigInt.asIntN(32, v));
        case 2:
          return String(BigInt.asIntN(16, v)).padStart(2, " ");
        case 1:
          return String(BigInt.asIntN(8, v));
        default:
          return String(BigInt.asIntN(64, v));
      }
    }
    return f.isLong ? `0x${v.toString(16)}` : v.toString();
  };
}

function rawArray(f: FieldInfo): (r: Rec) => string {
  let isString = f.isString;
  return (r) => {
    const { offset, len } = f.dynamic ? dynamicLoc(r, f) : { offset: f.offset, len: f.size };
    const bytes = bytesPastRecord(r, offset, len);
    if (isString && isPrintable(bytes)) return cString(r.bytes, offset, r.bytes.length - offset);
    // libtraceevent clears the field's string flag after the first non-printable value.
    isString = false;
    return `ARRAY[${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(", ")}]`;
  };
}
