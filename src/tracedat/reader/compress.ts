// Decompressors for trace.dat v7 compressed sections and chunks, keyed by the header's algorithm name.
// Source of truth: trace-cmd 3.1.6 lib/trace-cmd/trace-compress-zlib.c, -zstd.c.
// zstd frames carry no content size, so the expected size always comes from the chunk header.

import type * as Zlib from "node:zlib";
import { FormatError } from "../../errors.ts";

/**
 * node:zlib, loaded on first use (by the zlib compressor): loading it and the node:stream it pulls
 * in costs ~40 ms of startup, which most runs never need.
 */
export function zlib(): typeof Zlib {
  return require("node:zlib") as typeof Zlib;
}

export type Decompress = (data: Uint8Array, uncompressedSize: number) => Uint8Array;

/**
 * Bun's own one-shot decompressors, not node:zlib's: loading node:zlib (with the node:stream it
 * pulls in) and its per-call stream set-up cost a 31k-event zstd report ~25 ms of its 0.13 s.
 * windowBits 15 is the zlib format trace-cmd writes (compress2()), not raw deflate.
 */
export const DECOMPRESSORS: Readonly<Record<string, Decompress>> = {
  none: (data) => data,
  zlib: (data) => view(Bun.inflateSync(data as Uint8Array<ArrayBuffer>, { windowBits: 15 })),
  zstd: (data) => view(Bun.zstdDecompressSync(data as Uint8Array<ArrayBuffer>)),
};

/** Looks up the decompressor for a file's algorithm; throws FormatError for unknown ones. */
export function findDecompressor(name: string): Decompress {
  const fn = DECOMPRESSORS[name];
  if (!fn) throw new FormatError(`cannot decompress '${name}': supported are ${Object.keys(DECOMPRESSORS).join(", ")}`, { compression: name });
  return fn;
}

/** Decompresses one block and checks its size; any library failure becomes a FormatError at `offset`. */
export function decompressBlock(fn: Decompress, data: Uint8Array, size: number, offset: number, what: string): Uint8Array {
  let out: Uint8Array;
  try {
    out = fn(data, size);
  } catch (e) {
    throw new FormatError(`cannot decompress ${what} at offset ${offset}: ${(e as Error).message}`, { what, offset });
  }
  if (out.length !== size) {
    throw new FormatError(`cannot decompress ${what} at offset ${offset}: got ${out.length} bytes, header says ${size}`, { what, offset });
  }
  return out;
}

/** A plain Uint8Array over a Buffer's bytes, without copying. */
export function view(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
