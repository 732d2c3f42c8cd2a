// Writes the final trace.dat: v6 (the head, the flyrecord table, then each CPU's recorded pages
// moved in-kernel from its temporary file, which is truncated behind the move, so a recording
// never needs twice its size on disk) or v7 (sections; CPU data copied, or
// compressed 10 pages at a time).

import { statSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { closeFd, copyRange, O_RDONLY, O_RDWR, openFd, preadFd, pwriteAll, truncateFd, writeAll } from "../../ffi/fd.ts";
import { copyFileRangeAt } from "../../ffi/splice.ts";
import { VtraceError } from "../errors.ts";
import { freeBytes as folderFreeBytes, isDiskFull } from "./disk-full.ts";
import { ByteWriter } from "../lib/writer.ts";
import { TRACECMD_OPTION_BUFFER, type TraceFileParams, type TraceMetadata, type TraceOption, wholePages } from "../tracedat/model.ts";
import { alignUp, encodeFlyrecordTable, encodeV6Head, layoutFlyrecord } from "../tracedat/writer-v6.ts";
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
  /** v6: told where each buffer's CPU data went (the top buffer's first), full disk or not. */
  onPlaced?(cpus: readonly AssembledCpu[]): void;
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
  input.onPlaced?.(top);
  instances.forEach((b, i) => {
    const placed = writeFlyrecord(input.outFd, offsets[i]!, b.cpuFiles, b.clock, params);
    input.onPlaced?.(placed);
  });
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
 * The temporary files are consumed (see placeCpuData).
 */
export function appendFlyrecord(
  outFd: number,
  head: Uint8Array,
  cpuFiles: readonly string[],
  clock: string,
  params: Pick<TraceFileParams, "littleEndian" | "pageSize">,
): AssembledCpu[] {
  writeRoomFor(outFd, head, 0, cpuFiles, params.pageSize);
  return writeFlyrecord(outFd, head.length, cpuFiles, clock, params);
}

/**
 * "flyrecord", the CPU table and clock, then each CPU's pages; the table is at offset `start`.
 * The table is written first (with room made for it on a full disk by dropping the newest pages),
 * then the data is moved in, then the table is written again with where each CPU's data ended up.
 */
function writeFlyrecord(outFd: number, start: number, cpuFiles: readonly string[], clock: string, params: Pick<TraceFileParams, "littleEndian" | "pageSize">): AssembledCpu[] {
  const tableLength = layoutFlyrecord(start, cpuFiles.map(() => 0), clock, params).table.length;
  writeRoomFor(outFd, new Uint8Array(tableLength), start, cpuFiles, params.pageSize);
  const sizes = cpuSizes(cpuFiles, params.pageSize);
  const fly = layoutFlyrecord(start, sizes, clock, params);
  // Last CPU first: each one's data is moved from its end, so what a late ENOSPC costs is a CPU's oldest pages.
  const placed = cpuFiles
    .map((file, cpu) => ({ file, cpu }))
    .reverse()
    .map(({ file, cpu }) => ({ cpu, ...placeCpuData(outFd, file, fly.dataOffsets[cpu]!, sizes[cpu]!, params.pageSize) }))
    .reverse();
  pwriteAll(outFd, encodeFlyrecordTable(placed, clock, params.littleEndian), start);
  return placed;
}

/** Bytes moved per copy_file_range while the disk has room. */
const MOVE_CHUNK = 1 << 20;
/** Free pages kept for the move after the head is written: it then goes page by page if it must. */
const MOVE_SLACK_PAGES = 16;

/**
 * Moves `size` bytes of a temporary CPU file to `offset` in the output, from the end backwards,
 * truncating the temporary file behind each chunk: assembling needs no second copy's worth of disk.
 * With less than a chunk free it goes page by page (each needs one free page); should even that
 * fail, the CPU keeps the pages already moved (its newest) and loses the rest.
 */
export function placeCpuData(outFd: number, file: string, offset: number, size: number, pageSize: number): Omit<AssembledCpu, "cpu"> {
  if (size === 0) return { offset: 0, size: 0 };
  const inFd = openFd(file, O_RDWR);
  const dir = dirname(file);
  let from = size;
  try {
    while (from > 0) {
      // A chunk that fails half-way would leave its copied part holding the space the rest needs.
      const step = freeBytesIn(dir) >= MOVE_CHUNK + MOVE_SLACK_PAGES * pageSize ? MOVE_CHUNK : pageSize;
      const at = Math.max(0, from - step);
      try {
        copyAll(inFd, at, outFd, offset + at, from - at);
      } catch (e) {
        if (isDiskFull(e)) break;
        throw e;
      }
      truncateFd(inFd, at);
      from = at;
    }
  } finally {
    closeFd(inFd);
  }
  // Whatever did not fit is at the front; `from` is a page boundary (chunks and pages are).
  return { offset: offset + from, size: size - from };
}

function copyAll(inFd: number, inAt: number, outFd: number, outAt: number, length: number): void {
  for (let done = 0; done < length; ) {
    const n = copyFileRangeAt(inFd, inAt + done, outFd, outAt + done, length - done);
    if (n === 0) throw new VtraceError(`a temporary CPU file ended ${length - done} bytes early`);
    done += n;
  }
}

/**
 * Writes `bytes` at `at`, and keeps MOVE_SLACK_PAGES free for the data moves. On a full disk it
 * drops the newest pages of the largest CPU files until both fit; when no pages are left to drop
 * it throws NoRoomError.
 */
function writeRoomFor(outFd: number, bytes: Uint8Array, at: number, cpuFiles: readonly string[], pageSize: number): void {
  for (;;) {
    try {
      pwriteAll(outFd, bytes, at);
      break;
    } catch (e) {
      if (!isDiskFull(e)) throw e;
      if (!dropNewestPages(cpuFiles, bytes.length + MOVE_SLACK_PAGES * pageSize, pageSize)) throw new NoRoomError(at + bytes.length);
    }
  }
  const short = Math.min(MOVE_SLACK_PAGES * pageSize, Math.max(0, ...cpuSizes(cpuFiles, pageSize))) - freeBytes(cpuFiles);
  if (short > 0) dropNewestPages(cpuFiles, short, pageSize);
}

/** The output needs `needed` bytes at least and even the trace.dat head does not fit. */
export class NoRoomError extends VtraceError {
  constructor(readonly needed: number) {
    super(`no room on the disk for even the trace.dat head (${needed} bytes)`);
  }
}

/** Free space where the CPU files live (Infinity when unknown or nothing to move). */
function freeBytes(cpuFiles: readonly string[]): number {
  return cpuFiles.length === 0 ? Infinity : freeBytesIn(dirname(cpuFiles[0]!));
}

function freeBytesIn(dir: string): number {
  try {
    return folderFreeBytes(dir);
  } catch {
    return Infinity;
  }
}

/** Truncates about `bytes` of whole pages off the largest CPU files; false when they are all empty. */
export function dropNewestPages(cpuFiles: readonly string[], bytes: number, pageSize: number): boolean {
  let left = Math.ceil(bytes / pageSize) * pageSize;
  while (left > 0) {
    const sizes = cpuSizes(cpuFiles, pageSize);
    const largest = sizes.indexOf(Math.max(...sizes));
    if (sizes[largest]! === 0) return false;
    const cut = Math.min(left, sizes[largest]!);
    truncateFile(cpuFiles[largest]!, sizes[largest]! - cut);
    left -= cut;
  }
  return true;
}

function truncateFile(path: string, size: number): void {
  const fd = openFd(path, O_RDWR);
  try {
    truncateFd(fd, size);
  } finally {
    closeFd(fd);
  }
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
