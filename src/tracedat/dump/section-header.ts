// A v7 section header as trace-cmd dump prints it where it follows a pointer (options, buffers, the
// metadata sections): id, file offset, description from the STRINGS sections, flags, size.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-dump.c dump_section_header(), get_metadata_string().

import type { DumpContext } from "./context.ts";
import { byteString } from "./printer.ts";
import { cHex32, cLongLong } from "./printf.ts";

/** Reads the 16-byte header at the fd (from the open block, if any, as trace-cmd does); returns its flags. */
export function dumpSectionHeader(ctx: DumpContext, ids: number): number {
  const { input } = ctx;
  const offset = input.pos;
  const id = input.u16("the section id");
  const flags = input.u16("the section flags");
  const descId = input.i32("the section description");
  const size = input.u64("the section size");
  ctx.out.print(ids, `\t[Section ${id} @ ${offset}: "${sectionName(ctx, descId)}", flags 0x${cHex32(flags)}, ${cLongLong(size)} bytes]\n`);
  return flags;
}

/** The string at `offset` in the STRINGS sections, or "Unknown". */
export function sectionName(ctx: DumpContext, offset: number): string {
  const strings = ctx.strings;
  if (offset < 0 || offset >= strings.length) return "Unknown";
  const end = strings.indexOf(0, offset);
  return byteString(strings.subarray(offset, end < 0 ? strings.length : end));
}
