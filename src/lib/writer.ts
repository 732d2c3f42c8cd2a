// Growable byte writer with a fixed endianness and back-patchable length fields
// (the shape of trace.dat sizes and trace-msg frame sizes).

const textEncoder = new TextEncoder();

export class ByteWriter {
  #buf: Uint8Array;
  #dv: DataView;
  length = 0;

  constructor(
    readonly littleEndian: boolean,
    initial = 4096,
  ) {
    this.#buf = new Uint8Array(initial);
    this.#dv = new DataView(this.#buf.buffer);
  }

  #reserve(n: number): number {
    const at = this.length;
    const need = at + n;
    if (need > this.#buf.length) {
      let size = this.#buf.length * 2;
      while (size < need) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.#buf.subarray(0, this.length));
      this.#buf = next;
      this.#dv = new DataView(next.buffer);
    }
    this.length = need;
    return at;
  }

  u8(v: number): this {
    const at = this.#reserve(1);
    this.#buf[at] = v;
    return this;
  }

  u16(v: number): this {
    const at = this.#reserve(2);
    this.#dv.setUint16(at, v, this.littleEndian);
    return this;
  }

  u32(v: number): this {
    const at = this.#reserve(4);
    this.#dv.setUint32(at, v >>> 0, this.littleEndian);
    return this;
  }

  i32(v: number): this {
    const at = this.#reserve(4);
    this.#dv.setInt32(at, v, this.littleEndian);
    return this;
  }

  u64(v: bigint | number): this {
    const at = this.#reserve(8);
    this.#dv.setBigUint64(at, BigInt(v), this.littleEndian);
    return this;
  }

  i64(v: bigint | number): this {
    const at = this.#reserve(8);
    this.#dv.setBigInt64(at, BigInt(v), this.littleEndian);
    return this;
  }

  bytes(b: Uint8Array): this {
    const at = this.#reserve(b.length);
    this.#buf.set(b, at);
    return this;
  }

  /** Text without a terminator. */
  text(s: string): this {
    return this.bytes(textEncoder.encode(s));
  }

  /** Text followed by a NUL. */
  cstring(s: string): this {
    return this.text(s).u8(0);
  }

  zeros(n: number): this {
    const at = this.#reserve(n);
    this.#buf.fill(0, at, this.length);
    return this;
  }

  /** Reserve a u32 and return a function that patches it later. */
  u32Later(): (v: number) => void {
    const at = this.#reserve(4);
    return (v) => this.#dv.setUint32(at, v >>> 0, this.littleEndian);
  }

  /** Reserve a u64 and return a function that patches it later. */
  u64Later(): (v: bigint | number) => void {
    const at = this.#reserve(8);
    return (v) => this.#dv.setBigUint64(at, BigInt(v), this.littleEndian);
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.length);
  }
}

export function encodeText(s: string): Uint8Array {
  return textEncoder.encode(s);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
