// The metadata items as trace-cmd dump prints them: the header page and event, the ftrace and event
// formats, kallsyms, printk formats and saved cmdlines (v6 body order; v7 sections reuse them).
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-dump.c dump_header_page() … dump_cmdlines(), read_dump_string().

import { untilNul } from "../../lib/cursor.ts";
import { dumpFailure, type DumpContext } from "./context.ts";
import { DUMP_SIZE } from "./dump-input.ts";
import { CMDLINES, EVENT_FORMAT, EVENT_SYSTEMS, FTRACE_FORMAT, HEAD_EVENT, HEAD_PAGE, KALLSYMS, SUMMARY, TRACE_PRINTK } from "./items.ts";
import { byteString } from "./printer.ts";
import { cInt, cLongLong } from "./printf.ts";

/**
 * read_dump_string(): `size` bytes (an int in C) read in 1023-byte chunks, each printed up to its
 * first NUL, then a newline. The bytes are read whether or not they are printed.
 */
export function dumpString(ctx: DumpContext, size: number | bigint, ids: number): void {
  let left = Number(BigInt.asIntN(32, BigInt(size)));
  if (left < 0) throw dumpFailure(ctx, `cannot read ${left} bytes`);
  while (left > 0) {
    const n = left < DUMP_SIZE ? left : DUMP_SIZE - 1;
    ctx.out.printCString(ids, ctx.input.bytes(n, `${n} bytes of text`));
    left -= n;
  }
  ctx.out.print(ids, "\n");
}

function dumpHeader(ctx: DumpContext, tag: string, title: string, ids: number): void {
  ctx.out.print(SUMMARY | ids, `\t[${title}, `);
  const got = ctx.input.bytes(tag.length + 1, "header string");
  if (byteString(got.subarray(0, tag.length)) !== tag) {
    throw dumpFailure(ctx, `wrong header string: ${byteString(untilNul(got))}`);
  }
  const size = ctx.input.u64("the size of the page header information");
  ctx.out.print(SUMMARY | ids, `${cLongLong(size)} bytes]\n`);
  dumpString(ctx, size, ids);
}

export function dumpHeaderPage(ctx: DumpContext): void {
  dumpHeader(ctx, "header_page", "Header page", HEAD_PAGE);
}

export function dumpHeaderEvent(ctx: DumpContext): void {
  dumpHeader(ctx, "header_event", "Header event", HEAD_EVENT);
}

export function dumpFtraceFormats(ctx: DumpContext): void {
  ctx.out.print(SUMMARY | FTRACE_FORMAT, "\t[Ftrace format, ");
  const count = ctx.input.u32("the count of the ftrace events");
  ctx.out.print(SUMMARY | FTRACE_FORMAT, `${cInt(count)} events]\n`);
  for (let left = count; left > 0; left--) dumpString(ctx, ctx.input.u64(`the size of ftrace event ${count - left}`), FTRACE_FORMAT);
}

export function dumpEventFormats(ctx: DumpContext): void {
  const ids = SUMMARY | EVENT_FORMAT | EVENT_SYSTEMS;
  ctx.out.print(ids, "\t[Events format, ");
  const systems = ctx.input.u32("the count of the event systems");
  ctx.out.print(ids, `${cInt(systems)} systems]\n`);
  for (let left = systems; left > 0; left--) {
    const name = byteString(ctx.input.cstring(`the name of system ${systems - left}`));
    const events = ctx.input.u32(`the count of the events in system ${name}`);
    ctx.out.print(EVENT_SYSTEMS, `\t\t${name} ${cInt(events)} [system, events]\n`);
    for (let e = events; e > 0; e--) dumpString(ctx, ctx.input.u64(`the format size of an event of system ${name}`), EVENT_FORMAT);
  }
}

function dumpSized32(ctx: DumpContext, title: string, ids: number): void {
  ctx.out.print(SUMMARY | ids, `\t[${title}, `);
  const size = ctx.input.u32(`the size of the ${title.toLowerCase()}`);
  ctx.out.print(SUMMARY | ids, `${cInt(size)} bytes]\n`);
  dumpString(ctx, size, ids);
}

export function dumpKallsyms(ctx: DumpContext): void {
  dumpSized32(ctx, "Kallsyms", KALLSYMS);
}

export function dumpPrintk(ctx: DumpContext): void {
  dumpSized32(ctx, "Trace printk", TRACE_PRINTK);
}

export function dumpCmdlines(ctx: DumpContext): void {
  ctx.out.print(SUMMARY | CMDLINES, "\t[Saved command lines, ");
  const size = ctx.input.u64("the size of the saved command lines");
  ctx.out.print(SUMMARY | CMDLINES, `${cInt(size)} bytes]\n`);
  dumpString(ctx, size, CMDLINES);
}
