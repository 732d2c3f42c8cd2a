// Writes the final trace.dat: v6 (the head, the flyrecord table, then each CPU's recorded pages
// copied in-kernel from its temporary file, as trace-cmd does) or v7 (sections; CPU data copied, or
// compressed 10 pages at a time).

import { statSync, unlinkSync } from "node:fs";
import { closeFd, copyRange, O_RDONLY, openFd, preadFd, pwriteAll, writeAll } from "../../ffi/fd.ts";
import { VtraceError } from "../errors.ts";
import { ByteWriter } from "../lib/writer.ts";
import { TRACECMD_OPTION_BUFFER, type TraceFileParams, type TraceMetadata, type TraceOption, wholePages } from "../tracedat/model.ts";
import { alignUp, encodeV6Head, layoutFlyrecord } from "../tracedat/writer-v6.ts";
import * as V7 from "../tracedat/writer-v7.ts";

export interface AssembleInput {
  outFd: number;
  params: TraceFileParams;
  meta: TraceMetadata;
  options: readonly TraceOption[];
  clock: string;
  /** Temporary per-CPU files, index = cpu. */
  cpuFiles: readonly string[];
  /** Buffer instances (convert), each with a file per CPU of the file's CPU count. */
  instances?: readonly InstanceFiles[];
}

export interface InstanceFiles {
  name: string;
  clock: string;
  cpuFiles: readonly string[];
}

export interface AssembledCpu {
  cpu: number;
  offset: number;
  size: number;
}

export function assembleTraceDat(input: AssembleInput): AssembledCpu[] {
  const { params } = input;
  const instances = input.instances ?? [];
  const headWith = (offsets: readonly number[]) => encodeV6Head(params, input.meta, input.cpuFiles.length, [...input.options, ...instances.map((b, i) => v6BufferOption(params.littleEndian, offsets[i] ?? 0, b.name))]);
  // Each instance's flyrecord section follows the data before it; the head (whose length does not
  // depend on the offsets) names where each one starts.
  const headLength = headWith([]).length;
  let end = flyrecordEnd(headLength, input.cpuFiles, input.clock, params);
  const offsets = instances.map((b) => {
    const at = end;
    end = flyrecordEnd(at, b.cpuFiles, b.clock, params);
    return at;
  });
  const top = appendFlyrecord(input.outFd, headWith(offsets), input.cpuFiles, input.clock, params);
  instances.forEach((b, i) => writeFlyrecord(input.outFd, offsets[i]!, b.cpuFiles, b.clock, params));
  return top;
}

/** A v6 BUFFER option: where the instance's flyrecord section starts, and its name. */
function v6BufferOption(littleEndian: boolean, offset: number, name: string): TraceOption {
  return { id: TRACECMD_OPTION_BUFFER, data: new ByteWriter(littleEndian, 16 + name.length).u64(offset).cstring(name).finish() };
}

/** Where a flyrecord section written at `at` ends (after its last CPU's data). */
function flyrecordEnd(at: number, cpuFiles: readonly string[], clock: string, params: Pick<TraceFileParams, "littleEndian" | "pageSize">): number {
  const sizes = cpuSizes(cpuFiles, params.pageSize);
  const fly = layoutFlyrecord(at, sizes, clock, params);
  return sizes.reduce((last, size, cpu) => (size > 0 ? Math.max(last, fly.dataOffsets[cpu]! + size) : last), at + fly.table.length);
}

function cpuSizes(cpuFiles: readonly string[], pageSize: number): number[] {
  return cpuFiles.map((f) => wholePages(statSync(f).size, pageSize));
}

/**
 * A v7 file: the head (metadata sections, first OPTIONS), the BUFFER section, then the OPTIONS section
 * with the BUFFER option and the STRINGS section. The BUFFER section's size and the first DONE's
 * pointer are only known after the data, so they are patched in place.
 */
export function assembleTraceDatV7(input: AssembleInput, compressor?: V7.Compressor, onBytes?: CompressProgress): AssembledCpu[] {
  const { outFd, params } = input;
  const le = params.littleEndian;
  const strings = new V7.SectionStrings();
  const head = V7.encodeV7Head(params, input.meta, input.options, strings, compressor);
  writeAll(outFd, head.bytes);
  const buffers = [{ name: "", clock: input.clock, cpuFiles: input.cpuFiles }, ...(input.instances ?? [])];
  const total = buffers.reduce((sum, b) => sum + cpuSizes(b.cpuFiles, params.pageSize).reduce((a, n) => a + n, 0), 0);
  const progress = { done: 0, total, onBytes };
  let at = head.bytes.length;
  const written = buffers.map((b) => {
    const section = writeBufferSection(outFd, at, b, strings, params, compressor, progress);
    at = section.end;
    return section;
  });
  writeAll(outFd, V7.encodeV7Tail(le, written.map((w) => w.option), strings, compressor));
  pwriteAll(outFd, new ByteWriter(le, 8).u64(at).finish(), head.doneNextAt);
  return written[0]!.cpus;
}

interface CompressTally {
  done: number;
  total: number;
  onBytes?: CompressProgress;
}

/** One BUFFER section at `at`: its header (size patched once known), then each CPU's data page aligned. */
function writeBufferSection(
  outFd: number,
  bufferAt: number,
  buffer: InstanceFiles,
  strings: V7.SectionStrings,
  params: TraceFileParams,
  compressor: V7.Compressor | undefined,
  tally: CompressTally,
): { cpus: AssembledCpu[]; option: TraceOption; end: number } {
  const le = params.littleEndian;
  const bufferId = strings.id(V7.bufferDescription(buffer.name));
  writeAll(outFd, V7.bufferSectionHeader(le, bufferId, 0, compressor !== undefined));
  let at = bufferAt + V7.SECTION_HEADER_SIZE;
  const sizes = cpuSizes(buffer.cpuFiles, params.pageSize);
  const cpus = buffer.cpuFiles.map((file, cpu) => {
    const offset = alignUp(at, params.pageSize);
    if (offset > at) writeAll(outFd, new Uint8Array(offset - at));
    const progress = (n: number) => tally.onBytes?.(cpu, (tally.done += n), tally.total);
    const stored = compressor ? writeChunks(outFd, file, sizes[cpu]!, params, compressor, progress) : copyWhole(file, outFd, sizes[cpu]!);
    at = offset + stored.bytes;
    return { cpu, offset, size: stored.size };
  });
  pwriteAll(outFd, V7.bufferSectionHeader(le, bufferId, at - bufferAt - V7.SECTION_HEADER_SIZE, compressor !== undefined), bufferAt);
  const option = V7.bufferOption(le, { offset: bufferAt, name: buffer.name, clock: buffer.clock, pageSize: params.pageSize }, cpus);
  return { cpus, option, end: at };
}

/** Called after each compressed chunk: the CPU, bytes compressed so far (all CPUs), and the total. */
export type CompressProgress = (cpu: number, done: number, total: number) => void;

/** What one CPU's data took in the file: `size` as the BUFFER option states it, `bytes` written. */
interface StoredCpu {
  size: number;
  bytes: number;
}

function copyWhole(file: string, outFd: number, size: number): StoredCpu {
  const inFd = openFd(file, O_RDONLY);
  try {
    copyRange(inFd, outFd, size);
  } finally {
    closeFd(inFd);
  }
  return { size, bytes: size };
}

/** u32 chunk count, then the chunks; the stated size leaves the count out (trace-cmd's write_size). */
function writeChunks(outFd: number, file: string, size: number, params: TraceFileParams, compressor: V7.Compressor, progress: (bytes: number) => void): StoredCpu {
  const count = V7.chunkCount(size, params.pageSize);
  if (count === 0) return { size: 0, bytes: 0 };
  writeAll(outFd, new ByteWriter(params.littleEndian, 4).u32(count).finish());
  const buf = new Uint8Array(V7.PAGES_IN_CHUNK * params.pageSize);
  const inFd = openFd(file, O_RDONLY);
  let stored = 0;
  try {
    for (let from = 0; from < size; from += buf.length) {
      const pages = buf.subarray(0, Math.min(buf.length, size - from));
      readExactly(inFd, pages, from, file);
      const chunk = V7.encodeChunk(params.littleEndian, pages, compressor);
      writeAll(outFd, chunk);
      stored += chunk.length;
      progress(pages.length);
    }
  } finally {
    closeFd(inFd);
  }
  return { size: stored, bytes: 4 + stored };
}

function readExactly(fd: number, buf: Uint8Array, offset: number, file: string): void {
  for (let got = 0; got < buf.length; ) {
    const n = preadFd(fd, buf.subarray(got), offset + got);
    if (n === 0) throw new VtraceError(`${file} ended ${buf.length - got} bytes early`, { file, offset });
    got += n;
  }
}

/**
 * Writes `head` (a v6 file from the magic through the options), then the flyrecord table
 * and each CPU's whole pages from its temporary file. Used by record and by listen.
 */
export function appendFlyrecord(
  outFd: number,
  head: Uint8Array,
  cpuFiles: readonly string[],
  clock: string,
  params: Pick<TraceFileParams, "littleEndian" | "pageSize">,
): AssembledCpu[] {
  writeAll(outFd, head);
  return writeFlyrecord(outFd, head.length, cpuFiles, clock, params);
}

/** "flyrecord", the CPU table and clock, then each CPU's pages; the output is at offset `start`. */
function writeFlyrecord(outFd: number, start: number, cpuFiles: readonly string[], clock: string, params: Pick<TraceFileParams, "littleEndian" | "pageSize">): AssembledCpu[] {
  const sizes = cpuSizes(cpuFiles, params.pageSize);
  const fly = layoutFlyrecord(start, sizes, clock, params);
  writeAll(outFd, fly.table);
  let at = start + fly.table.length;
  cpuFiles.forEach((file, cpu) => {
    const size = sizes[cpu]!;
    if (size === 0) return;
    const gap = fly.dataOffsets[cpu]! - at;
    if (gap > 0) writeAll(outFd, new Uint8Array(gap));
    copyWhole(file, outFd, size);
    at = fly.dataOffsets[cpu]! + size;
  });
  return sizes.map((size, cpu) => ({ cpu, offset: fly.dataOffsets[cpu]!, size }));
}

export function removeFiles(files: readonly string[]): void {
  for (const f of files) {
    try {
      unlinkSync(f);
    } catch {
      // already gone
    }
  }
}
