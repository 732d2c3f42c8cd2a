// BUFFER and BUFFER_TEXT options: an instance's name and where its data is; in v7 also its clock,
// page size and CPU table, with the buffer section's header and a summary line.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-dump.c dump_option_buffer().

import { TRACECMD_OPTION_BUFFER } from "../model.ts";
import { dumpFailure, isSectioned, type DumpContext } from "./context.ts";
import { FLYRECORD, OPTIONS, SUMMARY } from "./items.ts";
import { byteString } from "./printer.ts";
import { cInt, cLongLong } from "./printf.ts";
import { dumpSectionHeader } from "./section-header.ts";

const SHOWN = OPTIONS | FLYRECORD;

export function dumpOptionBuffer(ctx: DumpContext, id: number, size: number): void {
  if (size < 8) throw dumpFailure(ctx, `broken buffer option with size ${cInt(size)}`);
  const { input, out } = ctx;
  const offset = input.u64("the offset of the buffer option");
  const name = byteString(input.cstring("the name of the buffer option"));
  const intro = [`\t\t[Option BUFFER, ${cInt(size)} bytes]\n`, `${cLongLong(offset)} [offset]\n`, `"${name}" [name]\n`];
  if (!isSectioned(ctx)) {
    for (const line of intro) out.print(SHOWN, line);
    return;
  }
  const current = input.pos;
  if (!input.seek(offset)) throw dumpFailure(ctx, `cannot goto buffer offset ${cLongLong(offset)}`);
  dumpSectionHeader(ctx, FLYRECORD);
  input.seek(current);
  for (const line of intro) out.print(SHOWN, line);
  const clock = byteString(input.cstring("the clock of the buffer option"));
  out.print(SHOWN, `"${clock}" [clock]\n`);
  if (id === TRACECMD_OPTION_BUFFER) dumpCpuTable(ctx, name, clock);
  else out.print(SUMMARY, `\t[buffer "${name}", "${clock}" clock, latency data]\n`);
}

function dumpCpuTable(ctx: DumpContext, name: string, clock: string): void {
  const { input, out } = ctx;
  const pageSize = input.i32("the page size of the buffer option");
  out.print(SHOWN, `${pageSize} [Page size, bytes]\n`);
  const cpus = input.i32("the cpu count of the buffer option");
  out.print(SHOWN, `${cpus} [CPUs]:\n`);
  let total = 0n;
  for (let i = 0; i < cpus; i++) {
    const id = input.i32(`the id of cpu ${i} in the buffer option`);
    const offset = input.u64(`the offset of cpu ${i} in the buffer option`);
    const size = input.u64(`the data size of cpu ${i} in the buffer option`);
    total = BigInt.asUintN(64, total + size);
    out.print(SHOWN, `   ${id} ${cLongLong(offset)}\t${cLongLong(size)}\t[id, data offset and size]\n`);
  }
  out.print(SUMMARY, `\t[buffer "${name}", "${clock}" clock, ${pageSize} page size, ${cpus} cpus, ${cLongLong(total)} bytes flyrecord data]\n`);
}
