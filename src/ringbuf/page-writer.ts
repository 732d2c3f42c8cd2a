// Ring-buffer pages written from records (what `split` stores): a page header (timestamp, commit),
// then each record as a delta-time header, a length word for payloads over 112 bytes, and the
// payload; a TIME_EXTEND before a record more than 2^27 ticks after the one before. A record that
// does not fit, or that follows lost events, starts a new page; a stored lost count goes after the
// data, flagged in the commit word.
// Source of truth: kernel ring_buffer.c (event and page layout, RB_MISSED_*); trace-cmd 3.1.6
// tracecmd/trace-split.c write_record(), write_page(), parse_cpu().

import { COMMIT_MASK, RB_MISSED_EVENTS, RB_MISSED_STORED, RINGBUF_TYPE_TIME_EXTEND, type PageLayout } from "./page.ts";

/** Deltas from here on do not fit a record header's 27 bits: a TIME_EXTEND goes first. */
const MAX_DELTA = 1n << 27n;
/** Payloads up to 28 words keep their length in the header's type_len. */
const MAX_TYPE_LEN_BYTES = 28 * 4;

export class PageWriter {
  readonly #page: Uint8Array;
  readonly #dv: DataView;
  readonly #dataOffset: number;
  /** Write position in the page; past the end when no page is open. */
  #at: number;
  #ts = 0n;
  #missed = 0;
  #open = false;
  /** Pages started so far (split -p counts them). */
  pages = 0;

  constructor(
    readonly layout: PageLayout,
    readonly pageSize: number,
    readonly emit: (page: Uint8Array) => void,
  ) {
    this.#page = new Uint8Array(pageSize);
    this.#dv = new DataView(this.#page.buffer);
    this.#dataOffset = 8 + layout.longSize;
    this.#at = pageSize + 1;
  }

  /** Whether adding this record starts a new page (it does not fit, or events were lost before it). */
  needsPage(payloadSize: number, missed: number): boolean {
    return !this.#open || missed !== 0 || this.#at + recordBytes(payloadSize) > this.pageSize;
  }

  /** Adds a record (ts in the clock's ticks; missed: 0 none, > 0 count, < 0 unknown). */
  add(ts: bigint, payload: Uint8Array, missed = 0): void {
    if (this.needsPage(payload.length, missed)) this.#newPage(ts, missed);
    if (ts - this.#ts >= MAX_DELTA) {
      if (this.#at + 8 > this.pageSize) this.#newPage(ts, 0);
      else this.#extend(ts);
      if (this.needsPage(payload.length, 0)) this.#newPage(ts, 0);
    }
    this.#record(ts, payload);
  }

  /** Writes the open page out. */
  flush(): void {
    if (!this.#open) return;
    const commit = this.#at - this.#dataOffset;
    const flags = this.#missed !== 0 ? RB_MISSED_EVENTS | (this.#missed > 0 ? RB_MISSED_STORED : 0) : 0;
    this.#putLong(8, (commit & COMMIT_MASK) + flags);
    if (this.#missed > 0 && this.#at + this.layout.longSize <= this.pageSize) this.#putLong(this.#at, this.#missed);
    this.emit(this.#page.slice());
    this.#open = false;
  }

  #newPage(ts: bigint, missed: number): void {
    this.flush();
    this.#page.fill(0);
    this.#dv.setBigUint64(0, ts, this.layout.littleEndian);
    this.#ts = ts;
    this.#missed = missed;
    this.#at = this.#dataOffset;
    this.#open = true;
    this.pages++;
  }

  /** TIME_EXTEND: the delta's low 27 bits in the header, the rest in the next word. */
  #extend(ts: bigint): void {
    const delta = ts - this.#ts;
    this.#header(RINGBUF_TYPE_TIME_EXTEND, Number(delta & (MAX_DELTA - 1n)));
    this.#dv.setUint32(this.#at + 4, Number((delta >> 27n) & 0xffffffffn), this.layout.littleEndian);
    this.#at += 8;
    this.#ts = ts;
  }

  #record(ts: bigint, payload: Uint8Array): void {
    const aligned = (payload.length + 3) & ~3;
    const small = payload.length > 0 && payload.length <= MAX_TYPE_LEN_BYTES;
    this.#header(small ? aligned / 4 : 0, Number(ts - this.#ts));
    let at = this.#at + 4;
    if (!small) {
      this.#dv.setUint32(at, payload.length + 4, this.layout.littleEndian);
      at += 4;
    }
    this.#page.set(payload, at);
    this.#at = at + aligned;
    this.#ts = ts;
  }

  /** The 32-bit event header: 5 bits type_len, 27 bits time delta (bit order by endianness). */
  #header(typeLen: number, delta: number): void {
    const word = this.layout.littleEndian ? ((delta << 5) | typeLen) >>> 0 : ((typeLen << 27) | delta) >>> 0;
    this.#dv.setUint32(this.#at, word, this.layout.littleEndian);
  }

  #putLong(at: number, value: number): void {
    if (this.layout.longSize === 8) this.#dv.setBigUint64(at, BigInt(value), this.layout.littleEndian);
    else this.#dv.setUint32(at, value >>> 0, this.layout.littleEndian);
  }
}

/** Bytes a record takes: its header, a length word when the payload is too big for type_len, the payload. */
export function recordBytes(payloadSize: number): number {
  const aligned = (payloadSize + 3) & ~3;
  return 4 + (payloadSize > 0 && payloadSize <= MAX_TYPE_LEN_BYTES ? 0 : 4) + aligned;
}
