// Decompressors for trace.dat v7 compressed sections and chunks, keyed by the header's algorithm name.
// Source of truth: trace-cmd 3.1.6 lib/trace-cmd/trace-compress-zlib.c, -zstd.c.
// zstd frames carry no content size, so the expected size always comes from the chunk header.

import type * as Zlib from "node:zlib";
import { FormatError } from "../../errors.ts";

/**
 * node:zlib, loaded on first use: loading it (and the node:stream it pulls in) costs ~40 ms of
 * startup, which an uncompressed file never needs.
 */
export function zlib(): typeof Zlib {
  return require("node:zlib") as typeof Zlib;
}

export type Decompress = (data: Uint8Array, uncompressedSize: number) => Uint8Array;

/**
 * node:zlib options for a block of known size: one output chunk of that size, so the library does
 * not collect 16 KiB chunks and concatenate them (a third of the decompression time on 40 KiB CPU
 * data chunks).
 */
function sized(size: number): { maxOutputLength: number; chunkSize: number } {
  return { maxOutputLength: Math.max(1, size), chunkSize: Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, size)) };
}
/** node:zlib's smallest chunkSize. */
const MIN_CHUNK = 64;
/** A size from a damaged header is not allocated up front: past this, chunks are collected again. */
const MAX_CHUNK = 16 << 20;

export const DECOMPRESSORS: Readonly<Record<string, Decompress>> = {
  none: (data) => data,
  zlib: (data, size) => view(zlib().inflateSync(data, sized(size))),
  zstd: (data, size) => view(zlib().zstdDecompressSync(data, sized(size))),
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
