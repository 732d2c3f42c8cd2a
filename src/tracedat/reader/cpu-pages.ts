// One CPU's flyrecord data as a stream of pages, read a few pages (or one compressed chunk) at a time.
// Source of truth: trace-cmd 3.1.6 (v6: raw, page-aligned; v7: u32 chunk count, then
// {u32 compressed size, u32 uncompressed size, data} chunks of up to 10 pages).

import { FormatError, TruncatedError } from "../../errors.ts";
import { Cursor } from "../../lib/cursor.ts";
import type { ByteSource } from "./byte-source.ts";
import { decompressBlock, type Decompress } from "./compress.ts";
import type { CpuDataRef } from "../model.ts";
import type { BufferData, TraceDat } from "./trace-dat.ts";

/** Pages read per pread from uncompressed data. */
const READ_PAGES = 32;
/** A chunk is 10 pages in 3.1.6; refuse absurd sizes from corrupt headers. */
const MAX_CHUNK_BYTES = 64 << 20;

export interface PageStream {
  /** The next page, or undefined at the end of this CPU's data. */
  next(): Uint8Array | undefined;
  /** File offset of the page last returned (of its chunk when compressed), for messages. */
  readonly offset: number;
}

export interface CpuDataSpec {
  source: ByteSource;
  littleEndian: boolean;
  pageSize: number;
  offset: number;
  size: number;
  /** Present when the data is chunk-compressed. */
  decompress?: Decompress;
}

export function openPageStream(spec: CpuDataSpec): PageStream {
  return spec.decompress ? new ChunkPages(spec, spec.decompress) : new RawPages(spec);
}

/** The pages of one CPU of one buffer of an open file, decompressed when the buffer is compressed. */
export function bufferCpuPages(dat: TraceDat, buffer: BufferData, ref: CpuDataRef): PageStream {
  return openPageStream({
    source: dat.source,
    littleEndian: dat.params.littleEndian,
    pageSize: buffer.pageSize,
    offset: ref.offset,
    size: ref.size,
    decompress: buffer.compressed ? dat.decompress : undefined,
  });
}

class RawPages implements PageStream {
  #buf: Uint8Array = new Uint8Array(0);
  #at = 0;
  #pos: number;
  #end: number;
  #short = false;
  #own = new Uint8Array(0);
  offset = 0;

  constructor(readonly spec: CpuDataSpec) {
    this.#pos = spec.offset;
    this.#end = spec.offset + spec.size;
  }

  next(): Uint8Array | undefined {
    const { pageSize } = this.spec;
    if (this.#at >= this.#buf.length && !this.#fill()) return undefined;
    this.offset = this.#pos - this.#buf.length + this.#at;
    const page = this.#buf.subarray(this.#at, this.#at + pageSize);
    this.#at += pageSize;
    return page;
  }

  /** Reads into one reused buffer when the source allows it: pages live until the next fill. */
  #read(want: number): Uint8Array {
    const { source } = this.spec;
    if (!source.readInto) return source.read(this.#pos, want);
    if (this.#own.length < want) this.#own = new Uint8Array(READ_PAGES * this.spec.pageSize);
    return this.#own.subarray(0, source.readInto(this.#pos, this.#own.subarray(0, want)));
  }

  /** Reads the next few pages; whole pages of a short read are still served before the error. */
  #fill(): boolean {
    const { pageSize, source } = this.spec;
    if (this.#pos >= this.#end) return false;
    const want = Math.min(READ_PAGES * pageSize, this.#end - this.#pos);
    const got = this.#short ? new Uint8Array(0) : this.#read(want);
    const whole = got.length === want ? got.length : got.length - (got.length % pageSize);
    if (whole === 0) {
      throw new TruncatedError(`cannot read cpu data at offset ${this.#pos}: the file ends at ${source.size}, expected data up to ${this.#end}`, {
        offset: this.#pos,
      });
    }
    this.#buf = got.subarray(0, whole);
    this.#at = 0;
    this.#pos += whole;
    this.#short = whole < want; // the next fill reports the truncation
    return true;
  }
}

class ChunkPages implements PageStream {
  #chunk: Uint8Array = new Uint8Array(0);
  #at = 0;
  #pos: number;
  #left = -1;
  offset = 0;

  constructor(
    readonly spec: CpuDataSpec,
    readonly decompress: Decompress,
  ) {
    this.#pos = spec.offset;
  }

  next(): Uint8Array | undefined {
    while (this.#at >= this.#chunk.length) {
      if (!this.#loadChunk()) return undefined;
    }
    const page = this.#chunk.subarray(this.#at, this.#at + this.spec.pageSize);
    this.#at += this.spec.pageSize;
    return page;
  }

  #read(n: number, what: string): Cursor {
    const bytes = this.spec.source.read(this.#pos, n);
    if (bytes.length < n) {
      throw new TruncatedError(`cannot read ${what} at offset ${this.#pos}: ${n - bytes.length} bytes missing`, { what, offset: this.#pos });
    }
    const c = new Cursor(bytes, this.spec.littleEndian, this.#pos);
    this.#pos += n;
    return c;
  }

  #loadChunk(): boolean {
    if (this.spec.size === 0) return false;
    if (this.#left < 0) this.#left = this.#read(4, "chunk count").u32("chunk count");
    if (this.#left === 0) return false;
    this.offset = this.#pos;
    const head = this.#read(8, "chunk header");
    const csize = head.u32("compressed chunk size");
    const usize = head.u32("uncompressed chunk size");
    if (csize > MAX_CHUNK_BYTES || usize > MAX_CHUNK_BYTES || usize % this.spec.pageSize !== 0) {
      throw new FormatError(`bad chunk header at offset ${this.offset}: sizes ${csize}/${usize}, page size ${this.spec.pageSize}`, {
        offset: this.offset,
      });
    }
    const data = this.#read(csize, "compressed chunk").bytesN(csize, "compressed chunk");
    this.#chunk = decompressBlock(this.decompress, data, usize, this.offset, "cpu data chunk");
    this.#at = 0;
    this.#left--;
    return true;
  }
}
