// Ring-buffer sub-buffer ("page") decoding, as read from per_cpu/cpuN/trace_pipe_raw.
// Source of truth: kernel kernel/trace/ring_buffer.c (buffer_data_page, RB_MISSED_*),
// libtraceevent src/kbuffer-parse.c.

import { FormatError, TruncatedError } from "../errors.ts";

export const RB_MISSED_EVENTS = 1 << 31;
export const RB_MISSED_STORED = 1 << 30;
/** kbuffer keeps only the low 27 bits of commit as the data size. */
export const COMMIT_MASK = (1 << 27) - 1;
export const TS_SHIFT = 27n;

export const RINGBUF_TYPE_PADDING = 29;
export const RINGBUF_TYPE_TIME_EXTEND = 30;
export const RINGBUF_TYPE_TIME_STAMP = 31;

const TS_MSB = 0xf8n << 56n;

export interface PageLayout {
  littleEndian: boolean;
  /** Kernel long size: the size of the `commit` field in header_page (8 or 4). */
  longSize: number;
}

export interface PageHeader {
  ts: bigint;
  /** Bytes of event data after the header. */
  commit: number;
  /** Events were lost before this page. */
  missedEvents: boolean;
  /** Count of lost events, when the kernel stored it; undefined when unknown. */
  missedCount?: number;
  /** Offset of the first event in the page (8 + longSize). */
  dataOffset: number;
}

export interface PageEvent {
  /** Timestamp in trace-clock units. */
  ts: bigint;
  /** Offset of the payload in the page. */
  offset: number;
  /** Payload length in bytes (rounded up to 4 as the kernel stores it). */
  size: number;
}

export function decodePageHeader(page: Uint8Array, layout: PageLayout): PageHeader {
  const dataOffset = 8 + layout.longSize;
  if (page.length < dataOffset) {
    throw new TruncatedError(`cannot read page header: ${page.length} of ${dataOffset} bytes`, { have: page.length });
  }
  const dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
  const ts = dv.getBigUint64(0, layout.littleEndian);
  const rawCommit = readCommitWord(dv, layout);
  const commit = rawCommit & COMMIT_MASK;
  const missedEvents = (rawCommit & RB_MISSED_EVENTS) !== 0;
  let missedCount: number | undefined;
  if (missedEvents && (rawCommit & RB_MISSED_STORED) !== 0 && dataOffset + commit + layout.longSize <= page.length) {
    missedCount = readLong(dv, dataOffset + commit, layout);
  }
  if (dataOffset + commit > page.length) {
    throw new FormatError(`page commit ${commit} exceeds data size ${page.length - dataOffset}`, { commit });
  }
  return { ts, commit, missedEvents, missedCount, dataOffset };
}

function readLong(dv: DataView, at: number, layout: PageLayout): number {
  return layout.longSize === 8 ? Number(dv.getBigUint64(at, layout.littleEndian)) : dv.getUint32(at, layout.littleEndian);
}

/** commit is a signed local_t that may be sign-extended: its size and flags live in the low 32 bits. */
function readCommitWord(dv: DataView, layout: PageLayout): number {
  if (layout.longSize === 4) return dv.getUint32(8, layout.littleEndian);
  return dv.getUint32(layout.littleEndian ? 8 : 12, layout.littleEndian);
}

/** Yields every data event of a page with its absolute timestamp. */
export function* decodePage(page: Uint8Array, layout: PageLayout): Generator<PageEvent> {
  const header = decodePageHeader(page, layout);
  const dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
  const le = layout.littleEndian;
  const end = header.dataOffset + header.commit;
  let ts = header.ts;
  let at = header.dataOffset;
  while (at < end) {
    if (at + 4 > end) throw new FormatError(`event header at page offset ${at} crosses commit ${end}`, { offset: at });
    const word = dv.getUint32(at, le);
    const typeLen = le ? word & 0x1f : word >>> 27;
    const delta = BigInt(le ? word >>> 5 : word & 0x7ffffff);
    if (typeLen === RINGBUF_TYPE_PADDING) {
      if (delta === 0n) return; // null padding: the rest of the page is unused
      const len = readU32(dv, at + 4, end, le, "padding length");
      at += 4 + len;
      continue;
    }
    if (typeLen === RINGBUF_TYPE_TIME_EXTEND || typeLen === RINGBUF_TYPE_TIME_STAMP) {
      const hi = BigInt(readU32(dv, at + 4, end, le, "time extend"));
      ts = typeLen === RINGBUF_TYPE_TIME_EXTEND ? ts + ((hi << TS_SHIFT) + delta) : (ts & TS_MSB) | (hi << TS_SHIFT) | delta;
      at += 8;
      continue;
    }
    let offset: number;
    let size: number;
    if (typeLen === 0) {
      const len = readU32(dv, at + 4, end, le, "event length");
      if (len < 4) throw new FormatError(`event at page offset ${at} has length ${len}`, { offset: at });
      size = Math.ceil((len - 4) / 4) * 4; // not bitwise: len may exceed 2^31
      offset = at + 8;
    } else {
      size = typeLen * 4;
      offset = at + 4;
    }
    if (offset + size > end) {
      throw new FormatError(`event at page offset ${at} (${size} bytes) crosses commit ${end}`, { offset: at });
    }
    ts += delta;
    yield { ts, offset, size };
    at = offset + size;
  }
}

function readU32(dv: DataView, at: number, end: number, le: boolean, what: string): number {
  if (at + 4 > end) throw new FormatError(`${what} at page offset ${at} crosses commit ${end}`, { offset: at });
  return dv.getUint32(at, le);
}
