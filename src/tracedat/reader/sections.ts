// v7 section headers and section contents (decompressed when flagged).
// Source of truth: trace-cmd 3.1.6 trace-input.c read_section_header().

import { FormatError } from "../../errors.ts";
import { Cursor } from "../../lib/cursor.ts";
import type { ByteSource } from "./byte-source.ts";
import { decompressBlock, type Decompress } from "./compress.ts";
import { SourceCursor } from "./source-cursor.ts";

export const SECTION_HEADER_SIZE = 16;
export const TRACECMD_SEC_FL_COMPRESS = 1;
/** Metadata sections are small; kallsyms is the biggest (a few MB). */
const MAX_SECTION_BYTES = 1 << 30;

export interface SectionHeader {
  id: number;
  flags: number;
  stringId: number;
  size: number;
  /** File offset of the header. */
  offset: number;
}

export function decodeSectionHeader(source: ByteSource, offset: number, littleEndian: boolean): SectionHeader {
  const c = new SourceCursor(source, littleEndian, offset);
  const id = c.u16("section id");
  const flags = c.u16("section flags");
  const stringId = c.u32("section description id") | 0;
  const size = c.u64n("section size");
  return { id, flags, stringId, size, offset };
}

/** Reads a section whose id must be `expectId`, returning a Cursor over its (decompressed) content. */
export function readSection(
  source: ByteSource,
  offset: number,
  expectId: number,
  opts: { littleEndian: boolean; decompress?: Decompress },
): Cursor {
  const h = decodeSectionHeader(source, offset, opts.littleEndian);
  if (h.id !== expectId) {
    throw new FormatError(`expected section ${expectId} at offset ${offset}, found section ${h.id}`, { offset, section: expectId });
  }
  if (h.size > MAX_SECTION_BYTES) throw new FormatError(`section ${h.id} at offset ${offset} is too large: ${h.size} bytes`, { offset });
  const body = new SourceCursor(source, opts.littleEndian, offset + SECTION_HEADER_SIZE);
  if ((h.flags & TRACECMD_SEC_FL_COMPRESS) === 0) return new Cursor(body.bytesN(h.size, `section ${h.id} content`), opts.littleEndian, body.pos - h.size);
  if (!opts.decompress) throw new FormatError(`section ${h.id} at offset ${offset} is compressed but the file names no compression`, { offset });
  const csize = body.u32(`section ${h.id} compressed size`);
  const usize = body.u32(`section ${h.id} uncompressed size`);
  if (csize + 8 > h.size || usize > MAX_SECTION_BYTES) {
    throw new FormatError(`section ${h.id} at offset ${offset}: compressed size ${csize} does not fit section size ${h.size}`, { offset });
  }
  const data = decompressBlock(opts.decompress, body.bytesN(csize, `section ${h.id} compressed data`), usize, offset, `section ${h.id}`);
  return new Cursor(data, opts.littleEndian, 0);
}
