// The merged timeline as `sync-check --causal` matches it: for every record of every input (all
// buffers), in time order, the line `vtrace report -i HOST -i GUEST...` prints for it with its
// default options (a host + guests set tagged "(host)"/"(GUEST)", µs times, plugins), made by the
// report's own line printer, with the record's merged-timeline time. An "EVENTS DROPPED" line the
// report prints before a record is not part of that record's line. Pure: the files come as TraceDat.

import type { VtraceError } from "../errors.ts";
import { type ByteSink, grown, writeText } from "../lib/byte-sink.ts";
import { buildFileContext } from "../report/catalog.ts";
import { addInstances, basename, initialHandles, machineTags, type ReportInput } from "../report/handles.ts";
import { LinePrinter } from "../report/printer.ts";
import { funcRepeatFormat, type ReportOptions } from "../report/report.ts";
import { forEachMerged, openStreams } from "../report/streams.ts";
import type { TimelineLine } from "./causal-pairs.ts";

const REPORT_DEFAULTS: ReportOptions = { nsec: false, raw: false, rawTs: false, namePrefix: "tag" };
const NEWLINE = 10;

/** Holds one printed line; the printer asks for room before it writes. */
class LineSink implements ByteSink {
  buf = new Uint8Array(4096);
  pos = 0;
  held = -1;

  room(n: number): boolean {
    if (this.pos + n > this.buf.length) this.buf = grown(this.buf, this.pos + n);
    return true;
  }

  write(text: string): boolean {
    writeText(this, text);
    return true;
  }
}

/** Visits every record's report line in timeline order; returns the first read error, after the rest. */
export function forEachTimelineLine(inputs: ReportInput[], visit: (line: TimelineLine) => void): VtraceError | undefined {
  const repeatFormat = funcRepeatFormat(inputs.at(-1)?.dat, REPORT_DEFAULTS);
  const contexts = inputs.map((i) => buildFileContext(i.dat, repeatFormat));
  const { handles, state } = initialHandles(inputs, contexts, "tag");
  for (const top of handles.slice()) addInstances(handles, top, state);
  const machines = machineNames(inputs);
  const printer = new LinePrinter(state, REPORT_DEFAULTS);
  const sink = new LineSink();
  const decoder = new TextDecoder();
  return forEachMerged(openStreams(handles, REPORT_DEFAULTS), (s) => {
    sink.pos = 0;
    printer.line(s, sink);
    let end = sink.pos;
    if (sink.buf[end - 1] === NEWLINE) end--;
    const start = end > 0 ? sink.buf.lastIndexOf(NEWLINE, end - 1) + 1 : 0;
    const machine = machines.get(s.handle.input)!;
    visit({ text: decoder.decode(sink.buf.subarray(start, end)), time: BigInt(s.ts), machine, tsRaw: s.records.tsRaw });
    return true;
  });
}

/** "host" and guest names for a host + guests set, else each file's name. */
function machineNames(inputs: readonly ReportInput[]): Map<ReportInput, string> {
  const tags = machineTags(inputs);
  return new Map(inputs.map((input, i) => [input, tags ? tags[i]!.slice(1, -1) : basename(input.path)]));
}
