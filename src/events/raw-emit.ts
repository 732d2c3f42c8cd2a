// The field listing of an event whose print fmt failed to parse ("[FAILED TO PARSE] a=1 b=0x2..."),
// written as bytes for events whose fields are all plain numbers (maple_tree's ma_write, say, whose
// format has a raw TAB). Arrays, strings and the -R listing go through raw.ts's strings.
// Source of truth: src/events/raw.ts rawField() (the same casts and radixes).

import { encodeText, putBytes } from "../lib/byte-sink.ts";
import { readHi, readLo, readSmall, type FieldInfo, type Rec } from "./field-info.ts";
import { putDecimal, putHex32, putHex64, putHexPrefix, putS64, putU64, putUnsigned, type Emit } from "./print-fmt/emit.ts";

/** Room for " name=" is the name's; the value needs at most this ("-" and 20 digits, or "0x" and 16). */
const VALUE_BYTES = 24;

/** The listing of `fields` as an emitter, or undefined when some field is not a plain number. */
export function compileFailedListing(fields: FieldInfo[]): Emit | undefined {
  if (!fields.every((f) => !f.isArray && !f.dynamic && (f.size === 1 || f.size === 2 || f.size === 4 || f.size === 8))) return undefined;
  const parts = fields.map((f) => ({ label: encodeText(` ${f.name}=`), value: valueEmit(f) }));
  return (r, out) => {
    for (const { label, value } of parts) {
      out.room(label.length + VALUE_BYTES);
      putBytes(out, label);
      value(r, out);
    }
  };
}

function valueEmit(f: FieldInfo): Emit {
  const { offset, size } = f;
  const hiOf = (r: Rec) => (size === 8 ? readHi(r, offset) : 0);
  const loOf = (r: Rec) => (size === 8 ? readLo(r, offset) : readSmall(r, offset, size));
  if (f.isPointer || (!f.signed && f.isLong) || (f.signed && size === 4 && f.isLong)) {
    return (r, out) => {
      putHexPrefix(out);
      if (f.isPointer || !f.signed) putHex64(out, hiOf(r), loOf(r));
      else putHex32(out, loOf(r));
    };
  }
  if (!f.signed) return size === 8 ? (r, out) => putU64(out, readHi(r, offset), readLo(r, offset)) : (r, out) => putUnsigned(out, readSmall(r, offset, size));
  switch (size) {
    case 1:
      return (r, out) => putDecimal(out, (readSmall(r, offset, 1) << 24) >> 24);
    case 2:
      return (r, out) => {
        const v = (readSmall(r, offset, 2) << 16) >> 16;
        if (v >= 0 && v < 10) out.buf[out.pos++] = 32; // raw.ts pads to two columns
        putDecimal(out, v);
      };
    case 4:
      return (r, out) => putDecimal(out, readSmall(r, offset, 4) | 0);
    default:
      return (r, out) => putS64(out, readHi(r, offset), readLo(r, offset));
  }
}
