// Sequential, bounds-checked reads straight from a ByteSource (the v6 body has no sizes up front).
// Source of truth: src/lib/cursor.ts (same method names, so metadata decoders take either).

import { FormatError, TruncatedError } from "../../errors.ts";
import { decodeText } from "../../lib/cursor.ts";
import type { ByteSource } from "./byte-source.ts";

/** The read methods that metadata decoders need; both Cursor and SourceCursor have them. */
export interface FieldReader {
  readonly pos: number;
  u16(what: string): number;
  u32(what: string): number;
  u64(what: string): bigint;
  u64n(what: string): number;
  bytesN(n: number, what: string): Uint8Array;
  cstring(what: string): string;
}

const MAX_CSTRING = 1 << 16;
/**
 * Small reads are served from one read-ahead window: a v6 body is thousands of tiny items (a u64
 * size, then a format), and a pread each costs more than the bytes. Returned bytes are views of it.
 */
const WINDOW_BYTES = 64 << 10;

export class SourceCursor implements FieldReader {
  #dv = new DataView(new ArrayBuffer(8));
  /** The DataView's bytes: fixed-size reads copy into it (a new view per read would cost more). */
  #scratch = new Uint8Array(this.#dv.buffer);
  #win: Uint8Array = new Uint8Array(0);
  #winAt = 0;

  constructor(
    readonly source: ByteSource,
    readonly littleEndian: boolean,
    public pos = 0,
  ) {}

  bytesN(n: number, what: string): Uint8Array {
    const left = this.source.size - this.pos;
    if (n > left) {
      throw new TruncatedError(`cannot read ${what} at offset ${this.pos}: need ${n} bytes, file has ${Math.max(0, left)}`, {
        what,
        offset: this.pos,
      });
    }
    const bytes = this.#view(this.pos, n);
    if (bytes.length < n) throw new TruncatedError(`cannot read ${what} at offset ${this.pos}: short read`, { what, offset: this.pos });
    this.pos += n;
    return bytes;
  }

  /** Moves past n bytes without reading them; fails as bytesN() would when the source is shorter. */
  skip(n: number, what: string): void {
    const left = this.source.size - this.pos;
    if (n > left) {
      throw new TruncatedError(`cannot read ${what} at offset ${this.pos}: need ${n} bytes, file has ${Math.max(0, left)}`, { what, offset: this.pos });
    }
    this.pos += n;
  }

  /** Up to n bytes at offset (shorter only at the end of the source), through the window when small. */
  #view(offset: number, n: number): Uint8Array {
    if (n > WINDOW_BYTES) return this.source.read(offset, n);
    if (offset < this.#winAt || offset + n > this.#winAt + this.#win.length) {
      this.#win = this.source.read(offset, WINDOW_BYTES);
      this.#winAt = offset;
    }
    const at = offset - this.#winAt;
    return this.#win.subarray(at, Math.min(at + n, this.#win.length));
  }

  #fixed(n: number, what: string): DataView {
    const b = this.bytesN(n, what);
    for (let i = 0; i < n; i++) this.#scratch[i] = b[i]!;
    return this.#dv;
  }

  u16(what: string): number {
    return this.#fixed(2, what).getUint16(0, this.littleEndian);
  }

  u32(what: string): number {
    return this.#fixed(4, what).getUint32(0, this.littleEndian);
  }

  u64(what: string): bigint {
    return this.#fixed(8, what).getBigUint64(0, this.littleEndian);
  }

  u64n(what: string): number {
    const at = this.pos;
    const v = this.u64(what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(`${what} at offset ${at} is too large: ${v}`, { what, offset: at });
    return Number(v);
  }

  cstring(what: string): string {
    const start = this.pos;
    for (let len = 64; ; len *= 4) {
      const chunk = this.#view(start, len);
      const nul = chunk.indexOf(0);
      if (nul >= 0) {
        this.pos = start + nul + 1;
        return decodeText(chunk.subarray(0, nul));
      }
      if (chunk.length < len) throw new TruncatedError(`cannot read ${what} at offset ${start}: no terminating NUL`, { what, offset: start });
      if (len >= MAX_CSTRING) throw new FormatError(`${what} at offset ${start} is longer than ${MAX_CSTRING} bytes`, { what, offset: start });
    }
  }
}
