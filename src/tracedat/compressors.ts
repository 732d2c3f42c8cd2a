// The compressors a v7 file can be written with, by the names trace-cmd's --compression takes.
// trace-cmd 3.1.6: zstd at its default level (ZSTD_compress2), zlib at Z_BEST_COMPRESSION (compress2);
// "any" picks the highest-weighted available one, which is zstd.

import { view, zlib as nodeZlib } from "./reader/compress.ts";
import type { Compressor } from "./writer-v7.ts";

export const COMPRESSION_NAMES = ["zstd", "zlib", "any", "none"] as const;
export type CompressionName = (typeof COMPRESSION_NAMES)[number];

const zstd: Compressor = {
  name: "zstd",
  // Readers take any zstd version (3.1.6 zstd_is_supported() checks only the name); Bun vendors 1.5.x.
  version: "1.5.7",
  compress: (data) => Bun.zstdCompressSync(data, { level: 3 }),
};

const zlib: Compressor = {
  name: "zlib",
  // A reader takes zlib files whose major version is at most its own (zlib_is_supported()); Bun's
  // process.versions.zlib is a commit hash, so the version is the stream format's, zlib 1.x.
  version: "1.3.1",
  compress: (data) => view(nodeZlib().deflateSync(data, { level: 9 })),
};

/** The compressor for a --compression name; undefined for "none". */
export function compressorFor(name: CompressionName): Compressor | undefined {
  if (name === "none") return undefined;
  return name === "zlib" ? zlib : zstd;
}
