// The v6 body: the metadata items in file order, the CPU count, then the tagged blocks ("options  ",
// "latency  ", "flyrecord") until 10 bytes match none of them.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-dump.c dump_v6_file(), dump_therest(), dump_flyrecord(), dump_clock().

import { untilNul } from "../../lib/cursor.ts";
import { dumpFailure, type DumpContext } from "./context.ts";
import { CLOCK, FLYRECORD, SUMMARY } from "./items.ts";
import { dumpCmdlines, dumpEventFormats, dumpFtraceFormats, dumpHeaderEvent, dumpHeaderPage, dumpKallsyms, dumpPrintk } from "./metadata.ts";
import { dumpOptions } from "./options.ts";
import { byteString } from "./printer.ts";
import { cLongLongNoZero } from "./printf.ts";

const HEAD_OPTIONS = "options  \0";
const HEAD_LATENCY = "latency  \0";
const HEAD_FLYRECORD = "flyrecord\0";

export function dumpV6Body(ctx: DumpContext): void {
  dumpHeaderPage(ctx);
  dumpHeaderEvent(ctx);
  dumpFtraceFormats(ctx);
  dumpEventFormats(ctx);
  dumpKallsyms(ctx);
  dumpPrintk(ctx);
  dumpCmdlines(ctx);
  ctx.traceCpus = ctx.input.u32("the cpu count");
  ctx.out.print(SUMMARY, `\t${ctx.traceCpus | 0} [CPUs with tracing data]\n`);
  dumpTaggedBlocks(ctx);
}

/** dump_therest(): runs out of blocks at the first 10 bytes that are no tag (the CPU data's padding). */
function dumpTaggedBlocks(ctx: DumpContext): void {
  for (;;) {
    const tag = byteString(ctx.input.bytes(10, "the rest of the header"));
    if (tag === HEAD_OPTIONS) dumpOptions(ctx);
    else if (tag === HEAD_LATENCY) ctx.out.print(SUMMARY, "\t[Latency tracing data]\n");
    else if (tag === HEAD_FLYRECORD) dumpFlyrecord(ctx);
    else return;
  }
}

function dumpFlyrecord(ctx: DumpContext): void {
  ctx.out.print(SUMMARY | FLYRECORD, "\t[Flyrecord tracing data]\n");
  for (let cpu = 0; cpu < ctx.traceCpus; cpu++) {
    const offset = ctx.input.u64(`the cpu ${cpu} offset`);
    const size = ctx.input.u64(`the cpu ${cpu} size`);
    ctx.out.print(FLYRECORD, `\t ${cLongLongNoZero(offset, 10)} ${cLongLongNoZero(size, 10)}\t[offset, size of cpu ${cpu}]\n`);
  }
  dumpClock(ctx);
}

/** dump_clock(): the trace_clock text stored after the CPU table, when a TRACECLOCK option said so. */
function dumpClock(ctx: DumpContext): void {
  const ids = SUMMARY | CLOCK;
  ctx.out.print(ids, "\t[Tracing clock]\n");
  if (!ctx.hasClock) {
    ctx.out.print(ids, "\t\t No tracing clock saved in the file\n");
    return;
  }
  const size = BigInt.asIntN(64, ctx.input.u64("the clock size"));
  if (size < 0n || size > BigInt(ctx.input.source.size)) throw dumpFailure(ctx, `cannot allocate clock ${size} bytes`);
  const clock = ctx.input.bytes(Number(size), "the clock");
  ctx.out.print(ids, `\t\t${byteString(untilNul(clock))}\n`);
}
