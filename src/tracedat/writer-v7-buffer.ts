// Completing a v7 file whose metadata a network client sent (sections + an OPTIONS section whose
// DONE points nowhere): a BUFFER section with the CPU data, then an OPTIONS section holding the
// BUFFER option, and the old DONE patched to point to it. Pure layout.

import { FormatError } from "../errors.ts";
import { Cursor } from "../lib/cursor.ts";
import { ByteWriter } from "../lib/writer.ts";
import { TRACECMD_OPTION_DONE } from "./model.ts";
import { alignUp } from "./writer-v6.ts";
import { bufferOption, bufferSectionHeader, putOptionsSection, SECTION_COMPRESSED, SECTION_HEADER_SIZE } from "./writer-v7.ts";


/** Offset of the u64 "next" of the DONE option that ends the OPTIONS chain. */
export function lastDoneNextOffset(meta: Uint8Array, littleEndian: boolean, firstOptions: number): number {
  const seen = new Set<number>();
  for (let at = firstOptions; ; ) {
    if (seen.has(at)) throw new FormatError(`options chain loops at offset ${at}`);
    seen.add(at);
    const c = new Cursor(meta, littleEndian);
    c.pos = at;
    const id = c.u16("section id");
    const flags = c.u16("section flags");
    c.skip(4, "section string id");
    const size = c.u64n("section size");
    const end = c.pos + size;
    if (id !== 0 || flags & SECTION_COMPRESSED) throw new FormatError(`expected an uncompressed OPTIONS section at offset ${at}`);
    let next: number | undefined;
    let nextAt = 0;
    while (c.pos < end && next === undefined) {
      const opt = c.u16("option id");
      const optSize = c.u32("option size");
      if (opt === TRACECMD_OPTION_DONE) {
        nextAt = c.pos;
        next = c.u64n("next options offset");
      } else c.skip(optSize, `option ${opt}`);
    }
    if (next === undefined) throw new FormatError(`OPTIONS section at offset ${at} has no DONE option`);
    if (next === 0) return nextAt;
    at = next;
  }
}

export interface V7Tail {
  /** BUFFER section header + padding, written at metaLength. */
  bufferHead: Uint8Array;
  /** File offset of each CPU's data. */
  dataOffsets: number[];
  /** OPTIONS section written after the data, and where it starts. */
  options: Uint8Array;
  optionsOffset: number;
}

export function layoutV7Tail(metaLength: number, cpuSizes: readonly number[], clock: string, pageSize: number, littleEndian: boolean): V7Tail {
  const bufferAt = metaLength;
  let next = alignUp(bufferAt + SECTION_HEADER_SIZE, pageSize);
  const dataOffsets = cpuSizes.map((size) => {
    const at = next;
    next = alignUp(at + size, pageSize);
    return at;
  });
  const dataEnd = cpuSizes.length ? dataOffsets.at(-1)! + cpuSizes.at(-1)! : bufferAt + SECTION_HEADER_SIZE;
  const head = new ByteWriter(littleEndian, pageSize).bytes(bufferSectionHeader(littleEndian, -1, dataEnd - bufferAt - SECTION_HEADER_SIZE, false));
  head.zeros((dataOffsets[0] ?? bufferAt + SECTION_HEADER_SIZE) - bufferAt - SECTION_HEADER_SIZE);
  const cpus = cpuSizes.map((size, cpu) => ({ cpu, offset: dataOffsets[cpu]!, size }));
  const options = new ByteWriter(littleEndian, 256);
  putOptionsSection(options, [bufferOption(littleEndian, { offset: bufferAt, name: "", clock, pageSize }, cpus)], 0n);
  return { bufferHead: head.finish(), dataOffsets, options: options.finish(), optionsOffset: dataEnd };
}
