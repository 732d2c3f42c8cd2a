// Small v6 trace.dat files built in memory from event formats and payloads, one record per page
// (page timestamp = record time), for tests that need their own events (sync markers, syscalls, KVM).

import { ByteWriter } from "../../src/lib/writer.ts";
import { TRACECMD_OPTION_CPUCOUNT, TRACECMD_OPTION_TRACECLOCK, type TraceOption } from "../../src/tracedat/model.ts";
import { textOption, u32Option } from "../../src/tracedat/options-encode.ts";
import { encodeV6Head, layoutFlyrecord } from "../../src/tracedat/writer-v6.ts";

const te = new TextEncoder();
const COMMON = [
  "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;",
  "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;",
  "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;",
  "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;",
  "",
].join("\n");
const HEADER_PAGE = te.encode(
  "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n",
);
const HEADER_EVENT = te.encode("# compressed entry header\n\ttype_len    :    5 bits\n\ttime_delta  :   27 bits\n\tarray       :   32 bits\n");
export const PAGE = 4096;

/** A format file: name, id, the common fields, then `fields` (tab-indented field lines), then the print fmt. */
export function formatFile(name: string, id: number, fields: string, printFmt: string): Uint8Array {
  return te.encode(`name: ${name}\nID: ${id}\nformat:\n${COMMON}\n${fields}\n\nprint fmt: ${printFmt}\n`);
}

export interface FileRecord {
  ts: bigint;
  cpu: number;
  /** The whole payload, common fields included; padded to 4 bytes here. */
  payload: Uint8Array;
}

export interface V6FileSpec {
  cpus: number;
  clock?: string;
  ftraceFormats?: Uint8Array[];
  eventSystems?: { name: string; formats: Uint8Array[] }[];
  options?: TraceOption[];
  records: FileRecord[];
}

const PARAMS = { version: 6 as const, littleEndian: true, longSize: 8, pageSize: PAGE };

/** The metadata and options of v6File(spec), up to its flyrecord part (what a guest sends first). */
export function v6Head(spec: Omit<V6FileSpec, "records">): Uint8Array {
  const meta = {
    headerPage: HEADER_PAGE,
    headerEvent: HEADER_EVENT,
    ftraceFormats: spec.ftraceFormats ?? [],
    eventSystems: spec.eventSystems ?? [],
    kallsyms: new Uint8Array(),
    printk: new Uint8Array(),
    cmdlines: new Uint8Array(),
  };
  const clock = `[${spec.clock ?? "x86-tsc"}]`;
  return encodeV6Head(PARAMS, meta, spec.cpus, [textOption(TRACECMD_OPTION_TRACECLOCK, clock), ...(spec.options ?? []), u32Option(TRACECMD_OPTION_CPUCOUNT, spec.cpus, true)]);
}

/** A little-endian, 8-byte-long v6 file with the records, each CPU's in time order. */
export function v6File(spec: V6FileSpec): Uint8Array {
  const head = v6Head(spec);
  const data = Array.from({ length: spec.cpus }, (_, cpu) =>
    spec.records
      .filter((r) => r.cpu === cpu)
      .sort((a, b) => (a.ts < b.ts ? -1 : 1))
      .map(pageOf),
  );
  const fly = layoutFlyrecord(head.length, data.map((p) => p.length * PAGE), spec.clock ?? "x86-tsc", PARAMS);
  const w = new ByteWriter(true, 1 << 16).bytes(head).bytes(fly.table).zeros(fly.padding);
  for (const pages of data) for (const p of pages) w.bytes(p);
  return w.finish();
}

/** One record per page: page timestamp = record time, type_len = payload words, delta 0. */
function pageOf(r: FileRecord): Uint8Array {
  const pad = (4 - (r.payload.length % 4)) % 4;
  const words = (r.payload.length + pad) / 4;
  const w = new ByteWriter(true, PAGE).u64(r.ts).u64(BigInt(4 + words * 4)).u32(words & 31).bytes(r.payload).zeros(pad);
  return w.zeros(PAGE - w.length).finish();
}
