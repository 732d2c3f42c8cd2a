// Walks the events of one ring-buffer page without allocating per event (the report hot path).
// Source of truth: kernel ring_buffer.c (RB_MISSED_*, type_len encodings);
// libtraceevent 1.7.1 kbuffer-parse.c: commit keeps the low 27 bits; the lost count is read as a long
// but returned by kbuffer_missed_events() as an int, and only for a record at the start of the data.
// src/ringbuf/page.ts decodes the same layout as a generator; this one keeps the commit word exact
// (a 64-bit commit with the flag bits sign-extended does not fit a double).

import { FormatError } from "../../errors.ts";
import {
  COMMIT_MASK,
  RB_MISSED_EVENTS,
  RB_MISSED_STORED,
  RINGBUF_TYPE_PADDING,
  RINGBUF_TYPE_TIME_EXTEND,
  type PageLayout,
} from "../../ringbuf/page.ts";

const TS_MSB = 0xf8n << 56n;
const U64 = (1n << 64n) - 1n;
const MAX_EXACT = Number.MAX_SAFE_INTEGER;
const MAX_EXACT_BIG = BigInt(MAX_EXACT);
export const MISSED_UNKNOWN = -1;

export class PageWalker {
  #page: Uint8Array = new Uint8Array(0);
  #dv: DataView = new DataView(new ArrayBuffer(0));
  #at = 0;
  #end = 0;
  #dataOffset: number;
  #pageMissed = 0;
  /** The timestamp is kept as a bigint base plus a double offset, so records cost no BigInt. */
  #base = 0n;
  #baseNum = 0;
  #off = 0;
  /** Current record: payload position and size. */
  offset = 0;
  size = 0;
  /** Lost events before the current record: 0 none, > 0 count, < 0 unknown count. */
  missed = 0;

  constructor(readonly layout: PageLayout) {
    this.#dataOffset = 8 + layout.longSize;
  }

  /** Current record's absolute timestamp in trace-clock units. */
  get ts(): bigint {
    return this.#off === 0 ? this.#base : (this.#base + BigInt(this.#off)) & U64;
  }

  /** The same timestamp as a double when that is exact, else the bigint. */
  get tsKey(): number | bigint {
    const n = this.#baseNum + this.#off;
    return n <= MAX_EXACT ? n : this.ts;
  }

  #setBase(ts: bigint): void {
    this.#base = ts;
    this.#baseNum = ts <= MAX_EXACT_BIG ? Number(ts) : Infinity;
    this.#off = 0;
  }

  /**
   * common_type and common_pid of the current record: the kernel's struct trace_entry puts them at
   * payload offsets 0 (u16) and 4 (s32) for every event. -1 when the payload is too short.
   */
  get commonType(): number {
    return this.size >= 2 ? this.#dv.getUint16(this.offset, this.layout.littleEndian) : -1;
  }
  get commonPid(): number {
    return this.size >= 8 ? this.#dv.getInt32(this.offset + 4, this.layout.littleEndian) : -1;
  }

  get page(): Uint8Array {
    return this.#page;
  }

  load(page: Uint8Array): void {
    const le = this.layout.littleEndian;
    if (page.length < this.#dataOffset) throw new FormatError(`page has ${page.length} bytes, less than its ${this.#dataOffset}-byte header`, {});
    this.#page = page;
    this.#dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
    this.#setBase(this.#dv.getBigUint64(0, le));
    const flags = this.#lowWord(8);
    const commit = flags & COMMIT_MASK;
    if (this.#dataOffset + commit > page.length) {
      throw new FormatError(`page commit ${commit} exceeds data size ${page.length - this.#dataOffset}`, { commit });
    }
    this.#at = this.#dataOffset;
    this.#end = this.#dataOffset + commit;
    this.#pageMissed = 0;
    if ((flags & RB_MISSED_EVENTS) !== 0 && commit >= 4 && this.#typeLen(this.#dv.getUint32(this.#at, le)) < RINGBUF_TYPE_PADDING) {
      const stored = (flags & RB_MISSED_STORED) !== 0 && this.#end + this.layout.longSize <= page.length;
      this.#pageMissed = stored ? this.#lowWord(this.#end) | 0 : MISSED_UNKNOWN;
    }
  }

  /** The low 32 bits of a kernel long at `at` (where commit's size and flag bits live). */
  #lowWord(at: number): number {
    const le = this.layout.littleEndian;
    if (this.layout.longSize === 4) return this.#dv.getUint32(at, le);
    return this.#dv.getUint32(le ? at : at + 4, le);
  }

  #typeLen(word: number): number {
    return this.layout.littleEndian ? word & 0x1f : word >>> 27;
  }

  /** Advances to the next data event of the page; false at the end of the page. */
  next(): boolean {
    const dv = this.#dv;
    const le = this.layout.littleEndian;
    const end = this.#end;
    while (this.#at < end) {
      const at = this.#at;
      if (at + 4 > end) throw new FormatError(`event header at page offset ${at} crosses commit ${end}`, { offset: at });
      const word = dv.getUint32(at, le);
      const typeLen = le ? word & 0x1f : word >>> 27;
      const delta = le ? word >>> 5 : word & 0x7ffffff;
      if (typeLen >= RINGBUF_TYPE_PADDING) {
        this.#control(at, typeLen, delta);
        continue;
      }
      let size: number;
      let offset: number;
      if (typeLen === 0) {
        const len = this.#u32(at + 4, "event length");
        if (len < 4) throw new FormatError(`event at page offset ${at} has length ${len}`, { offset: at });
        size = len - 1 - ((len - 1) % 4); // round len - 4 up to 4 without int32 wrap-around
        offset = at + 8;
      } else {
        size = typeLen * 4;
        offset = at + 4;
      }
      if (offset + size > end) throw new FormatError(`event at page offset ${at} (${size} bytes) crosses commit ${end}`, { offset: at });
      this.#off += delta;
      this.offset = offset;
      this.size = size;
      this.missed = this.#pageMissed;
      this.#pageMissed = 0;
      this.#at = offset + size;
      return true;
    }
    return false;
  }

  /** PADDING, TIME_EXTEND and TIME_STAMP: no record, maybe a new time. */
  #control(at: number, typeLen: number, delta: number): void {
    if (typeLen === RINGBUF_TYPE_PADDING) {
      if (delta === 0) {
        this.#at = this.#end;
        return;
      }
      this.#at = at + 4 + this.#u32(at + 4, "padding length");
      this.#off += delta; // kbuffer adds a padding event's delta too
      return;
    }
    const hi = BigInt(this.#u32(at + 4, "time extend"));
    const low = BigInt(delta);
    const ts = this.ts;
    this.#setBase(typeLen === RINGBUF_TYPE_TIME_EXTEND ? (ts + ((hi << 27n) + low)) & U64 : (ts & TS_MSB) | (hi << 27n) | low);
    this.#at = at + 8;
  }

  #u32(at: number, what: string): number {
    if (at + 4 > this.#end) throw new FormatError(`${what} at page offset ${at} crosses commit ${this.#end}`, { offset: at });
    return this.#dv.getUint32(at, this.layout.littleEndian);
  }
}
