// The trace.dat initial header: magic, version, endianness, long size, page size, and for v7 the
// compression names and the first OPTIONS section offset.
// Source of truth: trace-cmd 3.1.6 trace-input.c tracecmd_alloc_fd().

import { FormatError } from "../../errors.ts";
import { TRACE_DAT_MAGIC, type TraceFileParams } from "../model.ts";
import type { ByteSource } from "./byte-source.ts";
import { SourceCursor } from "./source-cursor.ts";

export interface InitialHeader {
  params: TraceFileParams;
  /** v7 only: algorithm name ("none", "zstd", "zlib") and version text. */
  compression?: { name: string; version: string };
  /** v7 only: file offset of the first OPTIONS section header. */
  firstOptionsOffset?: number;
  /** Offset of the first byte after the header. */
  end: number;
}

export function decodeInitialHeader(source: ByteSource): InitialHeader {
  const c = new SourceCursor(source, true);
  const magic = c.bytesN(TRACE_DAT_MAGIC.length, "trace.dat magic");
  if (!TRACE_DAT_MAGIC.every((b, i) => magic[i] === b)) {
    throw new FormatError("not a trace.dat file: bad magic at offset 0", { offset: 0 }, "expected 17 08 44 'tracing'");
  }
  const versionText = c.cstring("version string");
  if (versionText !== "6" && versionText !== "7") {
    throw new FormatError(`unsupported trace.dat version '${versionText}' at offset 10: expected 6 or 7`, { offset: 10 });
  }
  const endianByte = c.bytesN(1, "endianness")[0]!;
  if (endianByte > 1) throw new FormatError(`bad endianness byte ${endianByte} at offset ${c.pos - 1}: expected 0 or 1`, { offset: c.pos - 1 });
  const littleEndian = endianByte === 0;
  return decodeRest(new SourceCursor(source, littleEndian, c.pos), versionText === "7" ? 7 : 6);
}

function decodeRest(c: SourceCursor, version: 6 | 7): InitialHeader {
  const littleEndian = c.littleEndian;
  const longSize = c.bytesN(1, "long size")[0]!;
  if (longSize !== 4 && longSize !== 8) throw new FormatError(`bad long size ${longSize} at offset ${c.pos - 1}: expected 4 or 8`, { offset: c.pos - 1 });
  const pageAt = c.pos;
  const pageSize = c.u32("page size");
  if (pageSize < 64 || pageSize > 1 << 24 || (pageSize & (pageSize - 1)) !== 0) {
    throw new FormatError(`bad page size ${pageSize} at offset ${pageAt}: expected a power of two`, { offset: pageAt });
  }
  const params: TraceFileParams = { version, littleEndian, longSize, pageSize };
  if (params.version === 6) return { params, end: c.pos };
  const name = c.cstring("compression name");
  const algoVersion = c.cstring("compression version");
  const firstOptionsOffset = c.u64n("first options offset");
  return { params, compression: { name, version: algoVersion }, firstOptionsOffset, end: c.pos };
}
