// Output of `trace-cmd dump`: each print goes out only when its items are asked for (do_print()),
// cut as tracecmd_plog() cuts it (1023 bytes). Text here is a byte string: one char per file byte.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-dump.c do_print(), lib/trace-cmd/trace-util.c __plog().

import { writeBytes, type ByteSink } from "../../lib/byte-sink.ts";
import { untilNul } from "../../lib/cursor.ts";

/** __plog() formats into a 1024-byte buffer, so one print shows at most 1023 bytes. */
const PLOG_MAX_BYTES = 1023;
const CHUNK = 8192;
const utf8 = new TextEncoder();

export class DumpPrinter {
  constructor(
    readonly sink: ByteSink,
    /** The asked-for items (bits of items.ts). */
    readonly items: number,
  ) {}

  /** True when a print tagged with `ids` shows (ids 0 always shows). */
  shows(ids: number): boolean {
    return ids === 0 || (ids & this.items) !== 0;
  }

  /** Prints a byte string when `ids` are asked for. */
  print(ids: number, text: string): void {
    if (!this.shows(ids)) return;
    const n = Math.min(text.length, PLOG_MAX_BYTES);
    const sink = this.sink;
    sink.room(n);
    const buf = sink.buf;
    let pos = sink.pos;
    for (let i = 0; i < n; i++) buf[pos++] = text.charCodeAt(i) & 0xff;
    sink.pos = pos;
  }

  /** Prints raw bytes up to the first NUL ("%s" of a buffer read from the file). */
  printCString(ids: number, bytes: Uint8Array): void {
    if (!this.shows(ids)) return;
    const text = untilNul(bytes);
    writeBytes(this.sink, text.subarray(0, Math.min(text.length, PLOG_MAX_BYTES)));
  }
}

/** File bytes as a byte string (one char per byte), for printing back unchanged. */
export function byteString(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += CHUNK) out += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return out;
}

/** A JS string (a file name from the command line) as the byte string of its UTF-8. */
export function utf8ByteString(text: string): string {
  return byteString(utf8.encode(text));
}
