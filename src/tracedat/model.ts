// The trace.dat data model shared by the writer and the reader.
// Source of truth: trace-cmd 3.1.6 lib/trace-cmd/trace-output.c, trace-input.c;
// Documentation/trace-cmd/trace-cmd.dat.v6.5.txt / v7.5.txt.

/** `17 08 44` + "tracing". */
export const TRACE_DAT_MAGIC = new Uint8Array([0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67]);

/** Option ids, with trace-cmd's names (enum tracecmd_file_options). */
export const TRACECMD_OPTION_DONE = 0;
export const TRACECMD_OPTION_DATE = 1;
export const TRACECMD_OPTION_CPUSTAT = 2;
export const TRACECMD_OPTION_BUFFER = 3;
export const TRACECMD_OPTION_TRACECLOCK = 4;
export const TRACECMD_OPTION_UNAME = 5;
export const TRACECMD_OPTION_HOOK = 6;
export const TRACECMD_OPTION_OFFSET = 7;
export const TRACECMD_OPTION_CPUCOUNT = 8;
export const TRACECMD_OPTION_VERSION = 9;
export const TRACECMD_OPTION_PROCMAPS = 10;
export const TRACECMD_OPTION_TRACEID = 11;
export const TRACECMD_OPTION_TIME_SHIFT = 12;
export const TRACECMD_OPTION_GUEST = 13;
export const TRACECMD_OPTION_TSC2NSEC = 14;
export const TRACECMD_OPTION_STRINGS = 15;
export const TRACECMD_OPTION_HEADER_INFO = 16;
export const TRACECMD_OPTION_FTRACE_EVENTS = 17;
export const TRACECMD_OPTION_EVENT_FORMATS = 18;
export const TRACECMD_OPTION_KALLSYMS = 19;
export const TRACECMD_OPTION_PRINTK = 20;
export const TRACECMD_OPTION_CMDLINES = 21;
export const TRACECMD_OPTION_BUFFER_TEXT = 22;

/** Everything a recording knows before its per-CPU data: items 1–7 of the v6 body. */
export interface TraceMetadata {
  /** Contents of events/header_page. */
  headerPage: Uint8Array;
  /** Contents of events/header_event. */
  headerEvent: Uint8Array;
  /** Contents of each events/ftrace/<e>/format. */
  ftraceFormats: Uint8Array[];
  /** Per event system, the format file of each of its events. */
  eventSystems: EventSystemFormats[];
  kallsyms: Uint8Array;
  printk: Uint8Array;
  cmdlines: Uint8Array;
}

export interface EventSystemFormats {
  name: string;
  formats: Uint8Array[];
}

/** A raw option as stored in the file: the payload is not interpreted. */
export interface TraceOption {
  id: number;
  data: Uint8Array;
}

/** Byte-level parameters fixed by the file's initial header. */
export interface TraceFileParams {
  version: 6 | 7;
  littleEndian: boolean;
  /** sizeof(long) of the writer's user space. */
  longSize: number;
  pageSize: number;
}

/** One CPU's flyrecord data: where it sits in the file and how long it is. */
export interface CpuDataRef {
  cpu: number;
  offset: number;
  size: number;
}

/** The selected clock in trace_clock text ("[local] global …" → "local"). */
export function selectedClock(traceClockText: string | undefined): string {
  return /\[([^\]]+)\]/.exec(traceClockText ?? "")?.[1] ?? "local";
}

/** Only whole pages are valid data; a torn tail (a writer stopped mid-page) is dropped. */
export function wholePages(size: number, pageSize: number): number {
  return size - (size % pageSize);
}

/** A random TRACEID (the id GUEST and TIME_SHIFT options refer to). */
export function randomTraceId(): bigint {
  return crypto.getRandomValues(new BigUint64Array(1))[0]!;
}
