// NUL-terminated string lists, the body encoding of TINIT options and RINIT/TRACE_RESP ports.

import { FormatError } from "../errors.ts";
import { untilNul } from "../lib/cursor.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeCStrings(items: readonly string[]): Uint8Array {
  const parts = items.map((s) => encoder.encode(s));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length + 1;
  }
  return out;
}

/** Reads `count` strings (or all when count is undefined); a missing NUL is a FormatError. */
export function decodeCStrings(bytes: Uint8Array, count: number | undefined, what: string): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < bytes.length && (count === undefined || out.length < count)) {
    const end = bytes.indexOf(0, at);
    if (end < 0) throw new FormatError(`${what}: string at byte ${at} has no terminating NUL`, { what, at });
    out.push(decoder.decode(bytes.subarray(at, end)));
    at = end + 1;
  }
  if (count !== undefined && out.length < count) {
    throw new FormatError(`${what}: expected ${count} strings, found ${out.length}`, { what, count });
  }
  return out;
}

/** Decimal port numbers as trace-cmd writes them ("%u\0" each). */
export function decodePorts(bytes: Uint8Array, count: number, what: string): number[] {
  return decodeCStrings(bytes, count, what).map((s) => {
    if (!/^\d{1,10}$/.test(s) || Number(s) > 0xffffffff) throw new FormatError(`${what}: invalid port '${s}'`, { what });
    return Number(s);
  });
}

/** A fixed-width NUL-padded name (tsync protocol names). */
export function encodeFixedName(name: string, width: number): Uint8Array {
  const out = new Uint8Array(width);
  out.set(encoder.encode(name).subarray(0, width));
  return out;
}

export function decodeFixedName(bytes: Uint8Array): string {
  return decoder.decode(untilNul(bytes));
}
