// trace.dat version 6 encoder (trace-cmd trace-output.c).
// The file is: head (magic … options) + flyrecord table + clock + page-aligned CPU data.
// encodeV6Head() is also exactly the metadata a v6 network client sends.

import { ByteWriter } from "../lib/writer.ts";
import { TRACE_DAT_MAGIC, type TraceFileParams, type TraceMetadata, type TraceOption } from "./model.ts";

/** Magic, version "6", endianness, long size, page size. */
export function encodeInitialHeader(w: ByteWriter, params: TraceFileParams): void {
  w.bytes(TRACE_DAT_MAGIC).cstring(String(params.version));
  w.u8(params.littleEndian ? 0 : 1).u8(params.longSize).u32(params.pageSize);
}

/** Items 1–7 of the v6 body: headers, formats, kallsyms, printk, cmdlines. */
export function encodeMetadata(w: ByteWriter, meta: TraceMetadata): void {
  encodeHeaderInfo(w, meta);
  encodeFtraceFormats(w, meta.ftraceFormats);
  encodeEventFormats(w, meta.eventSystems);
  const kallsyms = meta.kallsyms; // a v7 source decompresses it on each read
  w.u32(kallsyms.length).bytes(kallsyms);
  w.u32(meta.printk.length).bytes(meta.printk);
  w.u64(meta.cmdlines.length).bytes(meta.cmdlines);
}

/** header_page and header_event, each named and sized (v7: the HEADER_INFO section). */
export function encodeHeaderInfo(w: ByteWriter, meta: Pick<TraceMetadata, "headerPage" | "headerEvent">): void {
  w.cstring("header_page").u64(meta.headerPage.length).bytes(meta.headerPage);
  w.cstring("header_event").u64(meta.headerEvent.length).bytes(meta.headerEvent);
}

export function encodeFtraceFormats(w: ByteWriter, formats: readonly Uint8Array[]): void {
  w.u32(formats.length);
  for (const f of formats) w.u64(f.length).bytes(f);
}

export function encodeEventFormats(w: ByteWriter, systems: TraceMetadata["eventSystems"]): void {
  w.u32(systems.length);
  for (const sys of systems) {
    w.cstring(sys.name).u32(sys.formats.length);
    for (const f of sys.formats) w.u64(f.length).bytes(f);
  }
}

/** "options  \0", then {u16 id, u32 size, data}…, then a bare u16 0. */
export function encodeOptionsV6(w: ByteWriter, options: readonly TraceOption[]): void {
  w.text("options  ").u8(0);
  for (const o of options) w.u16(o.id).u32(o.data.length).bytes(o.data);
  w.u16(0);
}

export function encodeV6Head(
  params: TraceFileParams,
  meta: TraceMetadata,
  cpuCount: number,
  options: readonly TraceOption[],
): Uint8Array {
  const w = new ByteWriter(params.littleEndian, 1 << 16);
  encodeInitialHeader(w, { ...params, version: 6 });
  encodeMetadata(w, meta);
  w.u32(cpuCount);
  encodeOptionsV6(w, options);
  return w.finish();
}

export interface FlyrecordLayout {
  /** "flyrecord\0", the CPU table and the clock block, to be written at headOffset. */
  table: Uint8Array;
  /** File offset of each CPU's data (0 for a CPU without data), page aligned. */
  dataOffsets: number[];
  /** Zero bytes between the table and the first CPU's data. */
  padding: number;
}

/** Lays out the flyrecord section that follows a head of `headOffset` bytes. */
export function layoutFlyrecord(
  headOffset: number,
  cpuSizes: readonly number[],
  clock: string,
  params: Pick<TraceFileParams, "littleEndian" | "pageSize">,
): FlyrecordLayout {
  const tableEnd = headOffset + flyrecordTableSize(cpuSizes.length, clock);
  let next = alignUp(tableEnd, params.pageSize);
  const dataOffsets = cpuSizes.map((size) => {
    if (size === 0) return 0;
    const at = next;
    next = alignUp(at + size, params.pageSize);
    return at;
  });
  const table = encodeFlyrecordTable(cpuSizes.map((size, cpu) => ({ offset: dataOffsets[cpu]!, size })), clock, params.littleEndian);
  const firstData = dataOffsets.find((o) => o > 0) ?? tableEnd;
  return { table, dataOffsets, padding: firstData - tableEnd };
}

function flyrecordTableSize(cpuCount: number, clock: string): number {
  return "flyrecord\0".length + 16 * cpuCount + 8 + `[${clock}]`.length;
}

/** "flyrecord\0", each CPU's data offset and size (u64 each; a CPU without data has offset 0), then "[clock]". */
export function encodeFlyrecordTable(cpus: readonly { offset: number; size: number }[], clock: string, littleEndian: boolean): Uint8Array {
  const clockText = `[${clock}]`;
  const w = new ByteWriter(littleEndian, flyrecordTableSize(cpus.length, clock));
  w.cstring("flyrecord");
  for (const c of cpus) w.u64(c.size === 0 ? 0 : c.offset).u64(c.size);
  return w.u64(clockText.length).text(clockText).finish();
}

export function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** Adds options to a v6 head (which ends with the options' 2-byte DONE). */
export function appendOptionsV6(head: Uint8Array, options: readonly TraceOption[], littleEndian: boolean): Uint8Array {
  const w = new ByteWriter(littleEndian, head.length + 256);
  w.bytes(head.subarray(0, head.length - 2));
  for (const o of options) w.u16(o.id).u32(o.data.length).bytes(o.data);
  w.u16(0);
  return w.finish();
}
