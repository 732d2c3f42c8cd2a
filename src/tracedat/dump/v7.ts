// The v7 body: the STRINGS sections (names for the others), a walk over every section header, the
// option chain, then the metadata sections the options pointed at (last-named first).
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-dump.c dump_v7_file(), get_meta_strings(),
// read_metadata_strings(), walk_v7_sections(), dump_sections().

import * as M from "../model.ts";
import { TRACECMD_SEC_FL_COMPRESS } from "../reader/sections.ts";
import { dumpFailure, type DumpContext } from "./context.ts";
import { SECTIONS, STRINGS, SUMMARY } from "./items.ts";
import { dumpCmdlines, dumpEventFormats, dumpFtraceFormats, dumpHeaderEvent, dumpHeaderPage, dumpKallsyms, dumpPrintk } from "./metadata.ts";
import { dumpOptions } from "./options.ts";
import { byteString } from "./printer.ts";
import { cHex32, cInt, cLongLong, padLeft, padRight } from "./printf.ts";
import { dumpSectionHeader, sectionName } from "./section-header.ts";

/** The dump of each metadata section id. */
const SECTION_DUMPERS: Readonly<Record<number, (ctx: DumpContext) => void>> = {
  [M.TRACECMD_OPTION_HEADER_INFO]: (ctx) => (dumpHeaderPage(ctx), dumpHeaderEvent(ctx)),
  [M.TRACECMD_OPTION_FTRACE_EVENTS]: dumpFtraceFormats,
  [M.TRACECMD_OPTION_EVENT_FORMATS]: dumpEventFormats,
  [M.TRACECMD_OPTION_KALLSYMS]: dumpKallsyms,
  [M.TRACECMD_OPTION_PRINTK]: dumpPrintk,
  [M.TRACECMD_OPTION_CMDLINES]: dumpCmdlines,
};

export function dumpV7Body(ctx: DumpContext): void {
  const optionsAt = ctx.input.u64("the offset of the first option section");
  readStringSections(ctx);
  const count = walkSections(ctx);
  if (!ctx.input.seek(optionsAt)) throw dumpFailure(ctx, `cannot goto options offset ${cLongLong(optionsAt)}`);
  dumpOptions(ctx);
  dumpMetadataSections(ctx, count);
}

interface RawSectionHeader {
  at: number;
  id: number;
  flags: number;
  descId: number;
  size: bigint;
}

/** One header at the fd, or undefined where not even its id can be read (the end of the file). */
function readHeader(ctx: DumpContext): RawSectionHeader | undefined {
  const { input } = ctx;
  const at = input.pos;
  const id = input.tryNumber(2);
  if (id === undefined) return undefined;
  const flags = input.u16("the section flags");
  const descId = input.i32("the section description");
  return { at, id: Number(id), flags, descId, size: input.u64("the section size") };
}

/** Visits each section header from the fd on, then puts the fd back; stops at the end or a bad size. */
function eachSection(ctx: DumpContext, visit: (h: RawSectionHeader) => bigint | "stop"): void {
  const { input } = ctx;
  const start = input.pos;
  const seen = new Set<number>();
  for (let h = readHeader(ctx); h && !seen.has(h.at); h = readHeader(ctx)) {
    seen.add(h.at);
    const skip = visit(h);
    if (skip === "stop" || !input.seekBy(skip)) break;
  }
  if (!input.seek(start)) throw dumpFailure(ctx, "cannot restore the original file location");
}

/** get_meta_strings(): reads (and with --strings prints) every STRINGS section. */
function readStringSections(ctx: DumpContext): void {
  const { input } = ctx;
  eachSection(ctx, (h) => {
    if (h.id !== M.TRACECMD_OPTION_STRINGS) return h.size;
    let size = h.size;
    if (h.flags & TRACECMD_SEC_FL_COMPRESS) {
      input.tryNumber(4);
      size = input.tryNumber(4) ?? 0n;
      input.seekBy(-8n);
      if (!input.openBlock()) return "stop";
    }
    const length = Number(BigInt.asIntN(32, size));
    const bytes = length < 0 ? undefined : input.tryBytes(length);
    if (bytes) addStrings(ctx, bytes);
    input.closeBlock();
    return 0n;
  });
}

function addStrings(ctx: DumpContext, bytes: Uint8Array): void {
  const base = ctx.strings.length;
  const all = new Uint8Array(base + bytes.length);
  all.set(ctx.strings);
  all.set(bytes, base);
  ctx.strings = all;
  ctx.out.print(STRINGS, "\t[String @ offset]\n");
  for (let at = 0; at < bytes.length; ) {
    const nul = bytes.indexOf(0, at);
    const end = nul < 0 ? bytes.length : nul;
    ctx.out.print(STRINGS, `\t\t"${byteString(bytes.subarray(at, end))}" @ ${base + at}\n`);
    at = end + 1;
  }
}

/** walk_v7_sections(): one --sections line per section header; returns how many there are. */
function walkSections(ctx: DumpContext): number {
  let count = 0;
  eachSection(ctx, (h) => {
    const desc = sectionName(ctx, h.descId);
    if (h.id >= M.TRACECMD_OPTION_BUFFER_TEXT + 1) ctx.out.print(SECTIONS, `Unknown section id ${h.id}: ${desc}`);
    count++;
    const head = `\t[Section ${padLeft(String(h.id), 2)} @ ${padRight(String(h.at), 16)}\t"${desc}", flags 0x${cHex32(h.flags)}, `;
    if (!(h.flags & TRACECMD_SEC_FL_COMPRESS)) {
      ctx.out.print(SECTIONS, `${head}${cLongLong(h.size)} bytes]\n`);
      return h.size;
    }
    if (h.id === M.TRACECMD_OPTION_BUFFER || h.id === M.TRACECMD_OPTION_BUFFER_TEXT) {
      ctx.out.print(SECTIONS, `${head}${cLongLong(h.size)} compressed bytes]\n`);
      return h.size;
    }
    const csize = ctx.input.i32("the section compressed size");
    const usize = ctx.input.i32("the section uncompressed size");
    ctx.out.print(SECTIONS, `${head}${csize} compressed, ${usize} uncompressed]\n`);
    return BigInt.asUintN(64, h.size - 8n);
  });
  return count;
}

/** dump_sections(): each metadata section an option named, then the section count. */
function dumpMetadataSections(ctx: DumpContext, count: number): void {
  const { input } = ctx;
  for (const sec of ctx.sections) {
    if (!input.seek(sec.offset)) throw dumpFailure(ctx, `cannot goto option offset ${cLongLong(sec.offset)}`);
    const flags = dumpSectionHeader(ctx, sec.items);
    if (flags & TRACECMD_SEC_FL_COMPRESS && !input.openBlock()) throw dumpFailure(ctx, "cannot uncompress section block");
    SECTION_DUMPERS[sec.id]?.(ctx);
    input.closeBlock();
  }
  ctx.out.print(SUMMARY | SECTIONS, `\t[${cInt(count)} sections]\n`);
}
