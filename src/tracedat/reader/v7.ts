// trace.dat v7 body: the OPTIONS chain, metadata sections named by options, BUFFER sections.
// Source of truth: trace-cmd 3.1.6 trace-input.c handle_options(), init_buffer_cpu_data().

import { FormatError } from "../../errors.ts";
import type { Cursor } from "../../lib/cursor.ts";
import * as M from "../model.ts";
import type { TraceMetadata } from "../model.ts";
import type { ByteSource } from "./byte-source.ts";
import { findDecompressor, type Decompress } from "./compress.ts";
import type { InitialHeader } from "./header.ts";
import { inStage, withContext } from "./error-context.ts";
import * as meta from "./metadata.ts";
import { applyOption, emptyOptions, type FileOptions } from "./options.ts";
import { decodeSectionHeader, readSection, SECTION_HEADER_SIZE, TRACECMD_SEC_FL_COMPRESS } from "./sections.ts";
import type { BufferData, TraceDat } from "./trace-dat.ts";

/** A guard against option chains that loop. */
const MAX_OPTION_SECTIONS = 4096;

export function openV7(source: ByteSource, header: InitialHeader): TraceDat {
  const { params } = header;
  const decompress = header.compression!.name === "none" ? undefined : findDecompressor(header.compression!.name);
  const ctx = { littleEndian: params.littleEndian, decompress };
  const options = inStage("options", () => readOptionChain(source, header.firstOptionsOffset!, ctx));
  const metadata = inStage("metadata", () => readMetadata(source, options, ctx));
  const buffers = inStage("buffers", () => readBuffers(source, options, params));
  const topCpus = buffers[0]!.cpus.reduce((m, c) => Math.max(m, c.cpu + 1), 0);
  return {
    source,
    params,
    kernelLongSize: meta.kernelLongSize(metadata.headerPage, params.longSize),
    compression: header.compression,
    decompress,
    metadata,
    options,
    clockText: options.traceClock,
    cpuCount: Math.max(options.cpuCount ?? 0, topCpus),
    buffers,
  };
}

/** The BUFFER options, top buffer first (an empty one when the file has none). */
function readBuffers(source: ByteSource, options: FileOptions, params: InitialHeader["params"]): BufferData[] {
  const buffers = options.buffersV7.map((b): BufferData => ({
    name: b.name,
    pageSize: b.pageSize,
    cpus: b.cpus,
    clock: b.clock,
    compressed: isCompressedBuffer(source, b.sectionOffset, params.littleEndian),
  }));
  if (!buffers.some((b) => b.name === "")) buffers.unshift({ name: "", pageSize: params.pageSize, cpus: [], compressed: false });
  buffers.sort((a, b) => (a.name === "" ? -1 : b.name === "" ? 1 : 0));
  return buffers;
}

function readOptionChain(source: ByteSource, first: number, ctx: { littleEndian: boolean; decompress?: Decompress }): FileOptions {
  const options = emptyOptions();
  const seen = new Set<number>();
  for (let at = first; at !== 0; ) {
    if (seen.has(at) || seen.size > MAX_OPTION_SECTIONS) throw new FormatError(`options section chain loops at offset ${at}`, { offset: at });
    seen.add(at);
    at = inSection(at, "options", () => decodeOptionSection(readSection(source, at, M.TRACECMD_OPTION_DONE, ctx), options));
  }
  return options;
}

/** Applies every option of one OPTIONS section; returns the next section's offset (0 = last). */
function decodeOptionSection(c: Cursor, options: FileOptions): number {
  for (;;) {
    const id = c.u16("option id");
    const size = c.u32("option size");
    const at = c.base + c.pos;
    const data = c.bytesN(size, `option ${id} data`);
    if (id === M.TRACECMD_OPTION_DONE) return data.length >= 8 ? Number(new DataView(data.buffer, data.byteOffset).getBigUint64(0, c.littleEndian)) : 0;
    applyOption(options, id, data, { littleEndian: c.littleEndian, version: 7, offset: at });
  }
}

function readMetadata(source: ByteSource, options: FileOptions, ctx: { littleEndian: boolean; decompress?: Decompress }): TraceMetadata {
  const section = <T>(id: number, name: string, decode: (c: Cursor) => T, empty: T): T => {
    const at = options.sections.get(id);
    if (at === undefined) return empty;
    return inSection(at, name, () => decode(readSection(source, at, id, ctx)));
  };
  const headers = section(M.TRACECMD_OPTION_HEADER_INFO, "headers", meta.decodeHeaderFiles, {
    headerPage: new Uint8Array(0),
    headerEvent: new Uint8Array(0),
  });
  const metadata = {
    ...headers,
    ftraceFormats: section(M.TRACECMD_OPTION_FTRACE_EVENTS, "ftrace events", meta.decodeFtraceFormats, []),
    eventSystems: section(M.TRACECMD_OPTION_EVENT_FORMATS, "events format", meta.decodeEventFormats, []),
    kallsyms: new Uint8Array(0),
    printk: section(M.TRACECMD_OPTION_PRINTK, "printk", (c) => meta.decodeSized32(c, "printk"), new Uint8Array(0)),
    cmdlines: section(M.TRACECMD_OPTION_CMDLINES, "command lines", (c) => meta.decodeSized64(c, "cmdlines"), new Uint8Array(0)),
  };
  // kallsyms is megabytes, and decompressing it cold costs ~80 ms that a report printing no kernel
  // address never needs: its header is checked now, its content read on each use (errors then
  // carry the section's context). Not kept: a report keeps only the decoded table (names without
  // the text around them), and each writer reads it once.
  const kallsymsAt = options.sections.get(M.TRACECMD_OPTION_KALLSYMS);
  if (kallsymsAt !== undefined) inSection(kallsymsAt, "kallsyms", () => checkSectionBounds(source, kallsymsAt, M.TRACECMD_OPTION_KALLSYMS, ctx.littleEndian));
  Object.defineProperty(metadata, "kallsyms", {
    enumerable: true,
    get: () => section(M.TRACECMD_OPTION_KALLSYMS, "kallsyms", (c) => meta.decodeSized32(c, "kallsyms"), new Uint8Array(0)),
  });
  return metadata;
}

/** The section header at `offset` has the expected id and its content lies within the file. */
function checkSectionBounds(source: ByteSource, offset: number, id: number, littleEndian: boolean): void {
  const h = decodeSectionHeader(source, offset, littleEndian);
  if (h.id !== id) throw new FormatError(`expected section ${id} at offset ${offset}, found section ${h.id}`, { offset, section: id });
  const end = offset + SECTION_HEADER_SIZE + h.size;
  if (end > source.size) throw new FormatError(`section ${id} at offset ${offset} ends at ${end}, past the end of the file (${source.size} bytes)`, { offset });
}

function isCompressedBuffer(source: ByteSource, offset: number, littleEndian: boolean): boolean {
  return inSection(offset, "buffer", () => {
    const h = decodeSectionHeader(source, offset, littleEndian);
    if (h.id !== M.TRACECMD_OPTION_BUFFER) throw new FormatError(`expected buffer section at offset ${offset}, found section ${h.id}`, { offset });
    return (h.flags & TRACECMD_SEC_FL_COMPRESS) !== 0;
  });
}

/** Runs a section decoder, prefixing errors with the section's name and offset. */
function inSection<T>(offset: number, name: string, fn: () => T): T {
  return withContext("section", name, `${name} section at offset ${offset}`, fn);
}
