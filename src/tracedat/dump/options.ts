// The option list (v6 block, v7 OPTIONS sections chained by DONE): one line per option with its
// payload, metadata-section options queued for later, unknown ids shown and skipped.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-dump.c dump_options_read(), dump_option_done(), dump_options().

import * as M from "../model.ts";
import { TRACECMD_SEC_FL_COMPRESS } from "../reader/sections.ts";
import { dumpFailure, isSectioned, type DumpContext } from "./context.ts";
import { dumpString } from "./metadata.ts";
import { dumpOptionBuffer } from "./option-buffer.ts";
import { dumpOptionGuest, dumpOptionTimeShift, dumpOptionTsc2nsec } from "./option-clock-sync.ts";
import { CLOCK, CMDLINES, EVENT_FORMAT, EVENT_SYSTEMS, FTRACE_FORMAT, HEAD_EVENT, HEAD_PAGE, KALLSYMS, OPTIONS, SUMMARY, TRACE_PRINTK } from "./items.ts";
import { cHex64, cInt, cLongLong } from "./printf.ts";
import { dumpSectionHeader } from "./section-header.ts";

/** Options whose payload is text. */
const TEXT_OPTIONS: Readonly<Record<number, string>> = {
  [M.TRACECMD_OPTION_DATE]: "DATE",
  [M.TRACECMD_OPTION_CPUSTAT]: "CPUSTAT",
  [M.TRACECMD_OPTION_UNAME]: "UNAME",
  [M.TRACECMD_OPTION_HOOK]: "HOOK",
  [M.TRACECMD_OPTION_OFFSET]: "OFFSET",
  [M.TRACECMD_OPTION_VERSION]: "VERSION",
  [M.TRACECMD_OPTION_PROCMAPS]: "PROCMAPS",
};

/** Options that point at a v7 metadata section: their name and the items the section shows with. */
const SECTION_OPTIONS: Readonly<Record<number, readonly [string, number]>> = {
  [M.TRACECMD_OPTION_HEADER_INFO]: ["HEADERS", HEAD_PAGE | HEAD_EVENT],
  [M.TRACECMD_OPTION_FTRACE_EVENTS]: ["FTRACE EVENTS", FTRACE_FORMAT],
  [M.TRACECMD_OPTION_EVENT_FORMATS]: ["EVENT FORMATS", EVENT_SYSTEMS | EVENT_FORMAT],
  [M.TRACECMD_OPTION_KALLSYMS]: ["KALLSYMS", KALLSYMS],
  [M.TRACECMD_OPTION_PRINTK]: ["PRINTK", TRACE_PRINTK],
  [M.TRACECMD_OPTION_CMDLINES]: ["CMDLINES", CMDLINES],
};

/** dump_options(): every option, then the count (DONE options included in v7). */
export function dumpOptions(ctx: DumpContext): void {
  const count = dumpOptionList(ctx);
  ctx.out.print(SUMMARY | OPTIONS, `\t[${count} options]\n`);
}

/** dump_options_read(): one option block (a v7 OPTIONS section and the ones DONE chains to). */
function dumpOptionList(ctx: DumpContext): number {
  const { input } = ctx;
  if (isSectioned(ctx)) {
    if (ctx.optionSectionsSeen.has(input.pos)) throw dumpFailure(ctx, "options sections chain back to the one");
    ctx.optionSectionsSeen.add(input.pos);
  }
  const flags = isSectioned(ctx) ? dumpSectionHeader(ctx, OPTIONS) : 0;
  if (flags & TRACECMD_SEC_FL_COMPRESS && !input.openBlock()) throw dumpFailure(ctx, "cannot uncompress file block");
  for (let count = 1; ; count++) {
    const id = input.u16("the option id");
    if (id === M.TRACECMD_OPTION_DONE && !isSectioned(ctx)) {
      input.closeBlock();
      return count - 1;
    }
    const size = input.u32("the option size");
    if (id === M.TRACECMD_OPTION_DONE) {
      input.closeBlock();
      return count + dumpOptionDone(ctx, size);
    }
    dumpOption(ctx, id, size);
  }
}

function dumpOption(ctx: DumpContext, id: number, size: number): void {
  const { out } = ctx;
  const text = TEXT_OPTIONS[id];
  if (text !== undefined) return dumpTextOption(ctx, text, size);
  const section = SECTION_OPTIONS[id];
  if (section !== undefined) return queueSection(ctx, id, size, section);
  switch (id) {
    case M.TRACECMD_OPTION_BUFFER:
    case M.TRACECMD_OPTION_BUFFER_TEXT:
      return dumpOptionBuffer(ctx, id, size);
    case M.TRACECMD_OPTION_TRACECLOCK:
      out.print(OPTIONS, `\t\t[Option TRACECLOCK, ${cInt(size)} bytes]\n`);
      dumpString(ctx, size, OPTIONS | CLOCK);
      ctx.hasClock = true;
      return;
    case M.TRACECMD_OPTION_CPUCOUNT:
      return dumpNumberOption(ctx, "CPUCOUNT", size, (v) => cInt(v));
    case M.TRACECMD_OPTION_TRACEID:
      return dumpNumberOption(ctx, "TRACEID", size, (v) => `0x${cHex64(v)}`);
    case M.TRACECMD_OPTION_TIME_SHIFT:
      return dumpOptionTimeShift(ctx, size);
    case M.TRACECMD_OPTION_GUEST:
      return dumpOptionGuest(ctx, size);
    case M.TRACECMD_OPTION_TSC2NSEC:
      return dumpOptionTsc2nsec(ctx, size);
    default:
      out.print(OPTIONS, ` ${id} ${cInt(size)}\t[Unknown option, size - skipping]\n`);
      ctx.input.skip(Number(BigInt.asIntN(32, BigInt(size))));
  }
}

function dumpTextOption(ctx: DumpContext, name: string, size: number): void {
  ctx.out.print(OPTIONS, `\t\t[Option ${name}, ${cInt(size)} bytes]\n`);
  if (size) dumpString(ctx, size, OPTIONS);
}

/**
 * dump_option_int() / dump_option_xlong(): the payload read as one number of its size (nothing is
 * read past 8 bytes; an odd size reads its bytes but keeps no value, shown here as 0).
 */
function dumpNumberOption(ctx: DumpContext, name: string, size: number, show: (v: bigint) => string): void {
  ctx.out.print(OPTIONS, `\t\t[Option ${name}, ${cInt(size)} bytes]\n`);
  ctx.out.print(OPTIONS, `${show(ctx.input.tryNumber(size) ?? 0n)}\n`);
}

function queueSection(ctx: DumpContext, id: number, size: number, [name, items]: readonly [string, number]): void {
  const offset = ctx.input.u64(`the option ${id} offset`);
  ctx.sections.unshift({ id, offset, items });
  ctx.out.print(OPTIONS, `\t\t[Option ${name}, ${cInt(size)} bytes] @ ${cLongLong(offset)}\n`);
}

/** dump_option_done(): in v7 an 8-byte offset of the next OPTIONS section (0 ends the chain). */
function dumpOptionDone(ctx: DumpContext, size: number): number {
  const { input, out } = ctx;
  out.print(OPTIONS, `\t\t[Option DONE, ${cInt(size)} bytes]\n`);
  if (!isSectioned(ctx) || BigInt.asIntN(32, BigInt(size)) < 8n) return 0;
  const next = input.u64("the next options offset");
  out.print(OPTIONS, `${cLongLong(next)}\n`);
  if (next === 0n) return 0;
  if (!input.seek(next)) throw dumpFailure(ctx, `cannot goto next options offset ${cLongLong(next)}`);
  out.print(OPTIONS, "\n\n");
  return dumpOptionList(ctx);
}
