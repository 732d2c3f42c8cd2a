// `trace-cmd dump` as a pure function: a trace.dat in, the text trace-cmd 3.1.6 prints out, item by
// item as asked; a damaged file ends the text where trace-cmd stops and throws a VtraceError.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-dump.c dump_file(), trace_dump().

import type { ByteSink } from "../../lib/byte-sink.ts";
import type { ByteSource } from "../reader/byte-source.ts";
import { FILE_VERSION_SECTIONS, type DumpContext } from "./context.ts";
import { DumpInput } from "./dump-input.ts";
import { dumpCompression, dumpInitialFormat } from "./initial-format.ts";
import { SUMMARY } from "./items.ts";
import { DumpPrinter, utf8ByteString } from "./printer.ts";
import { dumpV6Body } from "./v6.ts";
import { dumpV7Body } from "./v7.ts";

export interface DumpRequest {
  /** Items to print (items.ts bits; see dumpItemsFor()). */
  items: number;
  /** -v: end with the line saying the file is valid. */
  validate: boolean;
  /** The file name as given, for the headline and the -v line. */
  path: string;
}

export function dumpTraceDat(source: ByteSource, req: DumpRequest, sink: ByteSink): void {
  const ctx: DumpContext = {
    input: new DumpInput(source),
    out: new DumpPrinter(sink, req.items),
    version: 0,
    traceCpus: 0,
    hasClock: false,
    strings: new Uint8Array(0),
    sections: [],
    optionSectionsSeen: new Set(),
  };
  const path = utf8ByteString(req.path);
  ctx.out.print(SUMMARY, `\n Tracing meta data in file ${path}:\n`);
  dumpInitialFormat(ctx);
  dumpCompression(ctx);
  if (ctx.version < FILE_VERSION_SECTIONS) dumpV6Body(ctx);
  else dumpV7Body(ctx);
  if (req.validate) ctx.out.print(0, `File ${path} is a valid trace-cmd file\n`);
}
