// Byte-for-byte text: kallsyms and printk lines are printed back as they were stored, so they are
// read and written as latin1 (one char per byte) rather than decoded as UTF-8.

import type { ByteSink } from "../../lib/byte-sink.ts";
import { writeBytes } from "../../lib/byte-sink.ts";
import { untilNul } from "../../lib/cursor.ts";

/** The stored text up to its first NUL (trace-cmd hands it to libtraceevent as a C string). */
export function latin1Text(bytes: Uint8Array): string {
  return Buffer.from(untilNul(bytes)).toString("latin1");
}

export function writeLatin1(out: ByteSink, text: string): void {
  writeBytes(out, Buffer.from(text, "latin1"));
}

/** Lines as strtok(buf, "\n") returns them: empty lines skipped; with each line's end offset. */
export function* strtokLines(text: string): Generator<{ line: string; end: number }> {
  let at = 0;
  while (at < text.length) {
    let nl = text.indexOf("\n", at);
    if (nl < 0) nl = text.length;
    if (nl > at) yield { line: text.slice(at, nl), end: nl };
    at = nl + 1;
  }
}

/** Stable sort by address after reversing: libtraceevent prepends each entry to a list, then qsort()s (glibc's merge sort is stable). */
export function sortLikeRegisteredList<T extends { addr: bigint }>(entries: T[]): T[] {
  return entries.reverse().sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
}

export function hex16(addr: bigint): string {
  return addr.toString(16).padStart(16, "0");
}
