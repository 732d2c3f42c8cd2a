// The file as trace-cmd dump reads it: one fd position, and while a compressed block is open
// (read_compress) reads come from its decompressed bytes instead, while seeks still move the fd.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-dump.c read_compressed(), do_lseek(),
// uncompress_block(); lib/trace-cmd/trace-compress.c tracecmd_uncompress_block().

import { TruncatedError } from "../../errors.ts";
import type { ByteSource } from "../reader/byte-source.ts";
import type { Decompress } from "../reader/compress.ts";

/** read_file_string()'s buffer: a string and its NUL fit in 1024 bytes. */
export const DUMP_SIZE = 1024;

export class DumpInput {
  /** The fd's offset. */
  pos = 0;
  littleEndian = true;
  /** The decompressor once the header names one (v7, not "none"); uncompress_block() is a no-op without. */
  decompress: Decompress | undefined;
  /** The open block's decompressed bytes (read_compress is set) and the read pointer in it. */
  #block: Uint8Array | undefined;
  #blockPos = 0;

  constructor(readonly source: ByteSource) {}

  get inBlock(): boolean {
    return this.#block !== undefined;
  }

  /** read_file_bytes(): exactly n bytes, or undefined (the fd then stands at the end of what it got). */
  tryBytes(n: number): Uint8Array | undefined {
    if (this.#block) return this.#blockBytes(n);
    const got = this.source.read(this.pos, n);
    this.pos += got.length;
    return got.length === n ? got : undefined;
  }

  /**
   * A short read in a block succeeds in trace-cmd with stale buffer bytes; that cannot be shown
   * faithfully, so here it fails as a short file read does.
   */
  #blockBytes(n: number): Uint8Array | undefined {
    const block = this.#block!;
    if (this.#blockPos > block.length) return undefined;
    const got = block.subarray(this.#blockPos, Math.min(this.#blockPos + n, block.length));
    this.#blockPos += got.length;
    return got.length === n ? got : undefined;
  }

  bytes(n: number, what: string): Uint8Array {
    const at = this.#where();
    return this.tryBytes(n) ?? this.#fail(what, at, n);
  }

  /** read_file_number(): a 1, 2, 4 or 8-byte number in the file's byte order; more than 8 reads nothing. */
  tryNumber(size: number): bigint | undefined {
    if (size > 8) return undefined;
    const b = this.tryBytes(size);
    if (!b || (size !== 1 && size !== 2 && size !== 4 && size !== 8)) return undefined;
    let v = 0n;
    for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(b[this.littleEndian ? size - 1 - i : i]!);
    return v;
  }

  number(size: number, what: string): bigint {
    const at = this.#where();
    return this.tryNumber(size) ?? this.#fail(what, at, size);
  }

  u16(what: string): number {
    return Number(this.number(2, what));
  }

  u32(what: string): number {
    return Number(this.number(4, what));
  }

  i32(what: string): number {
    return Number(BigInt.asIntN(32, this.number(4, what)));
  }

  u64(what: string): bigint {
    return this.number(8, what);
  }

  /** read_file_string(): bytes up to a NUL (consumed, not returned) within DUMP_SIZE, or undefined. */
  tryCString(): Uint8Array | undefined {
    const bytes: number[] = [];
    while (bytes.length < DUMP_SIZE) {
      const b = this.tryBytes(1);
      if (!b) return undefined;
      if (b[0] === 0) return Uint8Array.from(bytes);
      bytes.push(b[0]!);
    }
    return undefined;
  }

  cstring(what: string): Uint8Array {
    const at = this.#where();
    return this.tryCString() ?? this.#fail(what, at, 0);
  }

  /** lseek(fd, offset, SEEK_SET) on the file, even inside a block; false for a negative offset. */
  seek(offset: number | bigint): boolean {
    const to = BigInt(offset);
    if (to < 0n || to > BigInt(Number.MAX_SAFE_INTEGER)) return false;
    this.pos = Number(to);
    return true;
  }

  /** lseek(fd, n, SEEK_CUR) on the file; false (and no move) when it would go below 0. */
  seekBy(n: bigint): boolean {
    return this.seek(BigInt(this.pos) + BigInt.asIntN(64, n));
  }

  /** do_lseek(fd, n, SEEK_CUR): in the block while one is open, else on the file; no move below 0. */
  skip(n: number): void {
    if (!this.#block) this.seekBy(BigInt(n));
    else if (this.#blockPos + n >= 0) this.#blockPos += n;
  }

  /** uncompress_block(): reads one compressed block at the fd and opens it; false when that fails. */
  openBlock(): boolean {
    if (!this.decompress) return true;
    this.#block = undefined;
    const sizes = this.source.read(this.pos, 8);
    if (sizes.length < 8) return false;
    const dv = new DataView(sizes.buffer, sizes.byteOffset, 8);
    const csize = dv.getUint32(0, this.littleEndian);
    const usize = dv.getUint32(4, this.littleEndian);
    this.pos += 8;
    const data = this.source.read(this.pos, csize);
    this.pos += data.length;
    if (data.length < csize) return false;
    try {
      this.#block = this.decompress(data, Math.max(usize, csize));
    } catch {
      return false;
    }
    this.#blockPos = 0;
    return true;
  }

  /** uncompress_reset(): back to reading the file. */
  closeBlock(): void {
    this.#block = undefined;
    this.#blockPos = 0;
  }

  #where(): string {
    return this.#block ? `offset ${this.#blockPos} of the block decompressed before offset ${this.pos}` : `offset ${this.pos}`;
  }

  #fail(what: string, at: string, n: number): never {
    const size = n > 0 ? ` (${n} bytes)` : "";
    throw new TruncatedError(`cannot read ${what}${size} at ${at}`, { what, offset: this.pos });
  }
}
