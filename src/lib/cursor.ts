// Bounds-checked reads over a byte array with a fixed endianness.
// Every read names what it reads so a short buffer yields "cannot read X at offset N".

import { FormatError, TruncatedError } from "../errors.ts";

const textDecoder = new TextDecoder("utf-8", { fatal: false });

export class Cursor {
  readonly #dv: DataView;
  pos = 0;

  constructor(
    readonly bytes: Uint8Array,
    readonly littleEndian: boolean,
    /** File offset of bytes[0], used only in error messages. */
    readonly base = 0,
  ) {
    this.#dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  need(n: number, what: string): void {
    const short = this.pos + n - this.bytes.length;
    if (short > 0) {
      throw new TruncatedError(`cannot read ${what} at offset ${this.base + this.pos}: ${short} bytes missing`, {
        what,
        offset: this.base + this.pos,
      });
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++]!;
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.#dv.getUint16(this.pos, this.littleEndian);
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.#dv.getUint32(this.pos, this.littleEndian);
    this.pos += 4;
    return v;
  }

  i32(what: string): number {
    this.need(4, what);
    const v = this.#dv.getInt32(this.pos, this.littleEndian);
    this.pos += 4;
    return v;
  }

  u64(what: string): bigint {
    this.need(8, what);
    const v = this.#dv.getBigUint64(this.pos, this.littleEndian);
    this.pos += 8;
    return v;
  }

  i64(what: string): bigint {
    this.need(8, what);
    const v = this.#dv.getBigInt64(this.pos, this.littleEndian);
    this.pos += 8;
    return v;
  }

  /** A u64 that must fit in a JS number (sizes, offsets). */
  u64n(what: string): number {
    const at = this.base + this.pos;
    const v = this.u64(what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new FormatError(`${what} at offset ${at} is too large: ${v}`, { what, offset: at });
    }
    return Number(v);
  }

  bytesN(n: number, what: string): Uint8Array {
    this.need(n, what);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A NUL-terminated string; the NUL is consumed. */
  cstring(what: string): string {
    const end = this.bytes.indexOf(0, this.pos);
    if (end < 0) {
      throw new TruncatedError(`cannot read ${what} at offset ${this.base + this.pos}: no terminating NUL`, {
        what,
        offset: this.base + this.pos,
      });
    }
    const s = textDecoder.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }

  text(n: number, what: string): string {
    return textDecoder.decode(this.bytesN(n, what));
  }

  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }
}

/** The bytes before the first NUL (all of them when there is none): a C string's text. */
export function untilNul(bytes: Uint8Array): Uint8Array {
  const nul = bytes.indexOf(0);
  return nul < 0 ? bytes : bytes.subarray(0, nul);
}

export function decodeText(bytes: Uint8Array): string {
  return textDecoder.decode(bytes);
}
