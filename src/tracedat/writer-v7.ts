// trace.dat version 7 encoder: the initial header, then a gapless chain of sections
// (trace-cmd 3.1.6 lib/trace-cmd/trace-output.c, trace-compress.c). Pure layout: compression is
// a function the caller gives, and the caller writes the CPU data between the head and the tail.
//
// File order, as trace-cmd record writes it: header; metadata sections 16–21; the first OPTIONS
// section (the section offsets, the recording's options, a DONE pointing at the next OPTIONS); the
// BUFFER section (page-aligned CPU data, in 10-page compressed chunks when compressed); an OPTIONS
// section holding the BUFFER option; the STRINGS section with every section's description.

import { ByteWriter } from "../lib/writer.ts";
import * as M from "./model.ts";
import { encodeEventFormats, encodeFtraceFormats, encodeHeaderInfo, encodeInitialHeader } from "./writer-v6.ts";

export interface Compressor {
  /** As the file names it: "zstd" or "zlib". */
  name: string;
  version: string;
  compress(data: Uint8Array): Uint8Array;
}

export const SECTION_HEADER_SIZE = 16;
export const SECTION_COMPRESSED = 1;
/** trace-cmd's PAGES_IN_CHUNK: CPU data is compressed 10 pages at a time. */
export const PAGES_IN_CHUNK = 10;

/** Section descriptions; a section names its description by byte offset into the STRINGS section. */
export class SectionStrings {
  readonly #ids = new Map<string, number>();
  #size = 0;

  id(description: string): number {
    let id = this.#ids.get(description);
    if (id === undefined) {
      id = this.#size;
      this.#ids.set(description, id);
      this.#size += new TextEncoder().encode(description).length + 1;
    }
    return id;
  }

  encode(): Uint8Array {
    const w = new ByteWriter(true, this.#size + 1);
    for (const s of this.#ids.keys()) w.cstring(s);
    return w.finish();
  }
}

export interface V7Head {
  bytes: Uint8Array;
  /** Offset of the u64 in the first OPTIONS section's DONE that must point at the next OPTIONS section. */
  doneNextAt: number;
}

/** Header through the first OPTIONS section (whose DONE says 0 until patched). */
export function encodeV7Head(
  params: M.TraceFileParams,
  meta: M.TraceMetadata,
  options: readonly M.TraceOption[],
  strings: SectionStrings,
  compressor?: Compressor,
): V7Head {
  const le = params.littleEndian;
  const w = new ByteWriter(le, 1 << 16);
  encodeInitialHeader(w, { ...params, version: 7 });
  w.cstring(compressor?.name ?? "none").cstring(compressor?.version ?? "");
  const firstOptionsAt = w.u64Later();
  const sections: [number, string, (s: ByteWriter) => void][] = [
    [M.TRACECMD_OPTION_HEADER_INFO, "headers", (s) => encodeHeaderInfo(s, meta)],
    [M.TRACECMD_OPTION_FTRACE_EVENTS, "ftrace events", (s) => encodeFtraceFormats(s, meta.ftraceFormats)],
    [M.TRACECMD_OPTION_EVENT_FORMATS, "events format", (s) => encodeEventFormats(s, meta.eventSystems)],
    [M.TRACECMD_OPTION_KALLSYMS, "kallsyms", (s) => sized32(s, meta.kallsyms)],
    [M.TRACECMD_OPTION_PRINTK, "printk", (s) => s.u32(meta.printk.length).bytes(meta.printk)],
    [M.TRACECMD_OPTION_CMDLINES, "command lines", (s) => s.u64(meta.cmdlines.length).bytes(meta.cmdlines)],
  ];
  const sectionOptions = sections.map(([id, description, encode]) => {
    const at = w.length;
    const body = new ByteWriter(le, 1 << 12);
    encode(body);
    putSection(w, id, strings.id(description), body.finish(), compressor);
    return { id, data: new ByteWriter(le, 8).u64(at).finish() };
  });
  firstOptionsAt(w.length);
  putOptionsSection(w, [...sectionOptions, ...options], 0n, strings);
  // The section ends with DONE's u64.
  return { bytes: w.finish(), doneNextAt: w.length - 8 };
}

/** A section: its header, then the body (as u32 compressed size, u32 size, data when compressed). */
export function putSection(w: ByteWriter, id: number, stringId: number, body: Uint8Array, compressor?: Compressor): void {
  if (!compressor) {
    w.u16(id).u16(0).i32(stringId).u64(body.length).bytes(body);
    return;
  }
  const packed = compressor.compress(body);
  w.u16(id).u16(SECTION_COMPRESSED).i32(stringId).u64(8 + packed.length).u32(packed.length).u32(body.length).bytes(packed);
}

/** An OPTIONS section (never compressed, as trace-cmd): the options, then DONE with the next section's offset. */
export function putOptionsSection(w: ByteWriter, options: readonly M.TraceOption[], next: bigint, strings?: SectionStrings): void {
  const body = new ByteWriter(w.littleEndian, 256);
  for (const o of options) body.u16(o.id).u32(o.data.length).bytes(o.data);
  body.u16(M.TRACECMD_OPTION_DONE).u32(8).u64(next);
  putSection(w, M.TRACECMD_OPTION_DONE, strings?.id("options") ?? -1, body.finish());
}

/** The 16-byte BUFFER section header; `size` counts everything after it (padding included). */
export function bufferSectionHeader(littleEndian: boolean, stringId: number, size: number, compressed: boolean): Uint8Array {
  return new ByteWriter(littleEndian, SECTION_HEADER_SIZE)
    .u16(M.TRACECMD_OPTION_BUFFER)
    .u16(compressed ? SECTION_COMPRESSED : 0)
    .i32(stringId)
    .u64(size)
    .finish();
}

/** The BUFFER section's description: "buffer flyrecord <name>" (the top buffer keeps the space). */
export function bufferDescription(name: string): string {
  return `buffer flyrecord ${name}`;
}

/** The BUFFER option: section offset, name, clock, page size, then {cpu, data offset, size} of each CPU with data. */
export function bufferOption(
  littleEndian: boolean,
  section: { offset: number; name: string; clock: string; pageSize: number },
  cpus: readonly M.CpuDataRef[],
): M.TraceOption {
  const withData = cpus.filter((c) => c.size > 0);
  const w = new ByteWriter(littleEndian, 64 + 20 * withData.length);
  w.u64(section.offset).cstring(section.name).cstring(section.clock).u32(section.pageSize).u32(withData.length);
  for (const c of withData) w.u32(c.cpu).u64(c.offset).u64(c.size);
  return { id: M.TRACECMD_OPTION_BUFFER, data: w.finish() };
}

/** How many chunks `size` bytes of CPU data make. */
export function chunkCount(size: number, pageSize: number): number {
  return Math.ceil(size / (PAGES_IN_CHUNK * pageSize));
}

/** One compressed chunk of CPU data: u32 compressed size, u32 size, the compressed bytes. */
export function encodeChunk(littleEndian: boolean, pages: Uint8Array, compressor: Compressor): Uint8Array {
  const packed = compressor.compress(pages);
  return new ByteWriter(littleEndian, 8 + packed.length).u32(packed.length).u32(pages.length).bytes(packed).finish();
}

/** After the CPU data: an OPTIONS section with the BUFFER options (top first), then the STRINGS section. */
export function encodeV7Tail(littleEndian: boolean, buffers: readonly M.TraceOption[], strings: SectionStrings, compressor?: Compressor): Uint8Array {
  const w = new ByteWriter(littleEndian, 1024);
  putOptionsSection(w, buffers, 0n, strings);
  const stringsId = strings.id("strings");
  putSection(w, M.TRACECMD_OPTION_STRINGS, stringsId, strings.encode(), compressor);
  return w.finish();
}

/** A u32 size, then the bytes: read once, as a v7 source decompresses kallsyms on each read. */
function sized32(w: ByteWriter, bytes: Uint8Array): void {
  w.u32(bytes.length).bytes(bytes);
}
