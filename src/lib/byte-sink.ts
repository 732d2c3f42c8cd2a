// Where report output goes, as bytes: the line printer writes straight into `buf` at `pos` (no
// per-line strings to join and encode), asking for room first. Pure: src/io/stdout-writer.ts
// implements it on fd 1; MemorySink collects it for tests.

export interface ByteSink {
  buf: Uint8Array;
  pos: number;
  /**
   * While set (>= 0), room() keeps the bytes from buf[held] on in the buffer (it may move them to
   * the front and lower `held`), so they can still be read back or dropped: the info text's trailing
   * newline, the memo copy. -1 when nothing is held.
   */
  held: number;
  /** Makes room for n more bytes at pos (flushing what is there); false once the reader has gone. */
  room(n: number): boolean;
  /** Appends text as UTF-8; false once the reader has gone (EPIPE), so producers can stop. */
  write(text: string): boolean;
}


/**
 * Writes text at out.pos: ASCII by a loop (short strings cost less than a native call), anything
 * else through TextEncoder. The caller has made room for text.length * 3 bytes.
 */
export function putText(out: ByteSink, text: string): void {
  const buf = out.buf;
  let pos = out.pos;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) {
      pos += ENCODER.encodeInto(text.slice(i), buf.subarray(pos)).written;
      break;
    }
    buf[pos++] = c;
  }
  out.pos = pos;
}

/** Makes room for text and writes it at out.pos. */
export function writeText(out: ByteSink, text: string): void {
  out.room(text.length * 3);
  putText(out, text);
}

/** Makes room for bytes and copies them to out.pos. */
export function writeBytes(out: ByteSink, bytes: Uint8Array): void {
  out.room(bytes.length);
  putBytes(out, bytes);
}

/** Copies bytes to out.pos; the caller has made room. */
export function putBytes(out: ByteSink, bytes: Uint8Array): void {
  const n = bytes.length;
  if (n > 64) {
    out.buf.set(bytes, out.pos);
    out.pos += n;
    return;
  }
  const buf = out.buf;
  let pos = out.pos;
  for (let i = 0; i < n; i++) buf[pos++] = bytes[i]!;
  out.pos = pos;
}

const ENCODER = new TextEncoder();

/** A copy of buf with room for at least `need` bytes. */
export function grown(buf: Uint8Array, need: number): Uint8Array<ArrayBuffer> {
  const bigger = new Uint8Array(Math.max(need, buf.length * 2));
  bigger.set(buf);
  return bigger;
}

export function encodeText(text: string): Uint8Array {
  return ENCODER.encode(text);
}

/** Collects everything in memory (tests, in-process fuzzing). */
export class MemorySink implements ByteSink {
  buf = new Uint8Array(1 << 16);
  pos = 0;
  held = -1;
  #chunks: Uint8Array[] = [];

  room(n: number): boolean {
    if (this.pos + n <= this.buf.length) return true;
    const keep = this.held >= 0 ? this.held : this.pos;
    this.#chunks.push(this.buf.slice(0, keep));
    const rest = this.buf.subarray(keep, this.pos);
    this.buf = new Uint8Array(Math.max(1 << 16, rest.length + n));
    this.buf.set(rest);
    this.pos = rest.length;
    if (this.held >= 0) this.held = 0;
    return true;
  }

  write(text: string): boolean {
    writeText(this, text);
    return true;
  }

  text(): string {
    const all = [...this.#chunks, this.buf.subarray(0, this.pos)];
    return new TextDecoder().decode(Buffer.concat(all));
  }
}



