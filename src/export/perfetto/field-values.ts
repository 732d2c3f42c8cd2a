// An event's fields as JSON values, for the args of exported events: compiled once per event format
// into one reader per field, then run on each record's payload.
// Source of truth: kernel kernel/trace/trace_events.c (field layout, __data_loc = u32 len << 16 |
// offset), include/trace/stages/stage6_event_callback.h (__rel_loc: offset from the field's end).

import type { EventField, EventFormat } from "../../events/format.ts";
import type { ArgValue, Args } from "./chrome-event.ts";

export interface PayloadLayout {
  littleEndian: boolean;
  /** The traced kernel's long size, for `long` array elements. */
  longSize: number;
}

export type FieldsReader = (payload: Uint8Array) => Args;
type FieldReader = (payload: Uint8Array) => ArgValue;

const utf8 = new TextDecoder("utf-8");
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function compileFieldsReader(event: EventFormat, layout: PayloadLayout): FieldsReader {
  const readers = event.fields.map((f) => [f.name, compileField(f, layout)] as const);
  return (payload) => {
    const args: Args = {};
    for (const [name, read] of readers) args[name] = read(payload);
    return args;
  };
}

function compileField(f: EventField, layout: PayloadLayout): FieldReader {
  const isChar = /\bchar\b/.test(f.type) && !/\bunsigned\b/.test(f.type);
  if (f.dynamic) {
    const elementSize = elementSizeOf(f.type, layout.longSize);
    return (p) => {
      const loc = dynamicLoc(p, f, layout.littleEndian);
      if (!loc) return null;
      return isChar ? cString(p, loc.offset, loc.offset + loc.len) : readArray(p, loc.offset, loc.offset + loc.len, elementSize, layout.littleEndian);
    };
  }
  if (f.type.includes("[")) {
    // A zero-size array (ftrace print's `char buf[]`) runs to the end of the payload.
    const elementSize = f.arrayLength > 0 ? Math.max(1, Math.floor(f.size / f.arrayLength)) : elementSizeOf(f.type, layout.longSize);
    return (p) => {
      const end = f.size === 0 ? p.length : f.offset + f.size;
      if (end > p.length) return null;
      return isChar ? cString(p, f.offset, end) : readArray(p, f.offset, end, elementSize, layout.littleEndian);
    };
  }
  const isPointer = f.type.includes("*");
  return (p) => {
    if (f.offset + f.size > p.length) return null;
    if (isPointer) return `0x${readUnsigned(p, f.offset, f.size, layout.littleEndian).toString(16)}`;
    return readScalar(p, f.offset, f.size, f.signed, layout.littleEndian);
  };
}

/** Offset and length of a __data_loc / __rel_loc field's data; undefined when outside the payload. */
function dynamicLoc(p: Uint8Array, f: EventField, le: boolean): { offset: number; len: number } | undefined {
  if (f.offset + f.size > p.length || (f.size !== 2 && f.size !== 4)) return undefined;
  const word = readSmall(p, f.offset, f.size, le);
  let offset = f.size === 2 ? word : word & 0xffff;
  const len = f.size === 2 ? p.length - offset : word >>> 16;
  if (f.type.startsWith("__rel_loc")) offset += f.offset + f.size;
  return offset + len <= p.length && len >= 0 ? { offset, len } : undefined;
}

/** Element size of an array type such as `unsigned long[]` or `__data_loc u32[]`. */
function elementSizeOf(type: string, longSize: number): number {
  const base = type.replace(/^__(data|rel)_loc\s+/, "").replace(/\[.*$/, "").trim();
  if (/\blong long\b|64/.test(base)) return 8;
  if (/\blong\b/.test(base)) return longSize;
  if (/\bshort\b|16/.test(base)) return 2;
  if (/\bint\b|32/.test(base)) return 4;
  return 1;
}

function cString(p: Uint8Array, start: number, end: number): string {
  let stop = start;
  let ascii = true;
  for (; stop < end && p[stop] !== 0; stop++) if (p[stop]! >= 0x80) ascii = false;
  if (!ascii) return utf8.decode(p.subarray(start, stop));
  let s = "";
  for (let i = start; i < stop; i++) s += String.fromCharCode(p[i]!);
  return s;
}

function readArray(p: Uint8Array, start: number, end: number, elementSize: number, le: boolean): (number | string)[] {
  const out: (number | string)[] = [];
  for (let at = start; at + elementSize <= end; at += elementSize) out.push(readScalar(p, at, elementSize, false, le) as number | string);
  return out;
}

/** 1-, 2-, 4- and 8-byte integers as numbers (strings past 2^53); other sizes as hex. */
function readScalar(p: Uint8Array, offset: number, size: number, signed: boolean, le: boolean): ArgValue {
  switch (size) {
    case 1:
    case 2:
    case 4: {
      const v = readSmall(p, offset, size, le);
      const bits = 32 - size * 8;
      return signed ? (v << bits) >> bits : v;
    }
    case 8: {
      const v = readUnsigned(p, offset, 8, le);
      return toArg(signed ? BigInt.asIntN(64, v) : v);
    }
    default:
      return `0x${readUnsigned(p, offset, size, le).toString(16)}`;
  }
}

function readSmall(p: Uint8Array, offset: number, size: number, le: boolean): number {
  let v = 0;
  for (let i = 0; i < size; i++) v = v * 256 + p[le ? offset + size - 1 - i : offset + i]!;
  return v;
}

function readUnsigned(p: Uint8Array, offset: number, size: number, le: boolean): bigint {
  if (size <= 4) return BigInt(readSmall(p, offset, size, le));
  let v = 0n;
  for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(p[le ? offset + size - 1 - i : offset + i]!);
  return v;
}

function toArg(v: bigint): number | string {
  return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v.toString();
}
