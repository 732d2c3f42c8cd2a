// Field flags and raw reads as libtraceevent sees them.
// Source of truth: libtraceevent src/event-parse.c event_read_fields() (flags),
// tep_read_number() (unsigned reads, no sign extension) and dynamic_offset_field().

import type { EventField } from "./format.ts";

export interface FieldInfo extends EventField {
  isArray: boolean;
  isString: boolean;
  isLong: boolean;
  isPointer: boolean;
  isRelative: boolean;
  elementSize: number;
}

export function toFieldInfo(f: EventField, longSize: number): FieldInfo {
  const isRelative = f.type.startsWith("__rel_loc");
  const isArray = f.type.includes("[") || (f.dynamic && f.size === 2);
  const isString = (isArray && /char|u8|s8/.test(f.type)) || (f.dynamic && f.size === 2);
  const isLong = f.type.includes("long");
  const isPointer = f.type.includes("*");
  let elementSize = f.size;
  if (isArray || f.dynamic) {
    if (f.arrayLength) elementSize = Math.floor(f.size / f.arrayLength);
    else if (f.dynamic) elementSize = dynamicElementSize(f.type);
    else if (isString) elementSize = 1;
    else if (isLong) elementSize = longSize;
  }
  return { ...f, isArray, isString, isLong, isPointer, isRelative, elementSize };
}

/** libtraceevent type_size() of the element type of `__data_loc TYPE[] name`. */
function dynamicElementSize(type: string): number {
  const elem = type.replace(/^__(data|rel)_loc\s+/, "").replace(/\[.*$/, "").trim();
  const sizes: Record<string, number> = { u8: 1, u16: 2, u32: 4, u64: 8, s8: 1, s16: 2, s32: 4, s64: 8, char: 1 };
  return sizes[elem] ?? 0;
}

/** A record being printed: its bytes and the file's byte order. Catalogs reuse one Rec per call. */
export interface Rec {
  bytes: Uint8Array;
  le: boolean;
}

export function toRec(bytes: Uint8Array, le: boolean): Rec {
  return { bytes, le };
}

/** Points `r` at another payload. */
export function retarget(r: Rec, bytes: Uint8Array): void {
  r.bytes = bytes;
}

/** Unsigned read of 1, 2, 4 or 8 bytes; 0 when out of the record (libtraceevent prints 0). */
export function readU(r: Rec, offset: number, size: number): bigint {
  if (offset + size > r.bytes.length) return 0n;
  if (size === 8) return (BigInt(readHi(r, offset)) << 32n) | BigInt(readLo(r, offset));
  return BigInt(readSmall(r, offset, size));
}

/** Same as readU for sizes up to 4, as a number. Indexed byte reads: no DataView per record. */
export function readSmall(r: Rec, offset: number, size: number): number {
  const b = r.bytes;
  if (offset + size > b.length) return 0;
  switch (size) {
    case 1:
      return b[offset]!;
    case 2:
      return r.le ? b[offset]! | (b[offset + 1]! << 8) : (b[offset]! << 8) | b[offset + 1]!;
    case 4:
      return r.le
        ? (b[offset]! | (b[offset + 1]! << 8) | (b[offset + 2]! << 16) | (b[offset + 3]! << 24)) >>> 0
        : ((b[offset]! << 24) | (b[offset + 1]! << 16) | (b[offset + 2]! << 8) | b[offset + 3]!) >>> 0;
    default:
      return 0;
  }
}

/** High and low 32-bit halves of an 8-byte field (0 when out of the record). */
export function readHi(r: Rec, offset: number): number {
  if (offset + 8 > r.bytes.length) return 0;
  return readSmall(r, offset + (r.le ? 4 : 0), 4);
}
export function readLo(r: Rec, offset: number): number {
  if (offset + 8 > r.bytes.length) return 0;
  return readSmall(r, offset + (r.le ? 0 : 4), 4);
}

/** Offset and length of a __data_loc / __rel_loc field's data. */
export function dynamicLoc(r: Rec, f: FieldInfo): { offset: number; len: number } {
  const size = r.bytes.length;
  if (f.offset + f.size > size) return { offset: 0, len: 0 };
  const v = f.size === 2 ? readSmall(r, f.offset, 2) : readSmall(r, f.offset, 4);
  const o = v & 0xffff;
  const l = f.size === 2 ? size - o : (v >>> 16) & 0xffff;
  let offset = o > size ? 0 : o;
  const len = o + l > size ? 0 : l;
  if (f.isRelative) offset += f.offset + f.size;
  return { offset, len };
}

const utf8 = new TextDecoder("utf-8");

/** A NUL-terminated C string starting at offset, at most max bytes. */
export function cString(bytes: Uint8Array, offset: number, max = bytes.length - offset): string {
  const end = Math.min(bytes.length, offset + Math.max(0, max));
  let s = "";
  for (let i = offset; i < end; i++) {
    const c = bytes[i]!;
    if (c === 0) return s;
    if (c >= 0x80) {
      let j = i;
      while (j < end && bytes[j] !== 0) j++;
      return s + utf8.decode(bytes.subarray(i, j));
    }
    s += String.fromCharCode(c);
  }
  return s;
}
