// One report line per record, as trace-cmd 3.1.6 trace_show_data() prints it, with per-handle caches of
// the constant columns (file prefix, "comm-pid [", event name) so the hot path only formats the time
// and the event info.
// Source of truth: trace-cmd tracecmd/trace-read.c trace_show_data().

import type { EventFormat, RecordInfo } from "./events.ts";
import { handlePrefix, type Handle, type PrefixState } from "./handles.ts";
import { encodeText, putBytes, writeText, type ByteSink } from "../lib/byte-sink.ts";
import { untilNul } from "../lib/cursor.ts";
import { droppedLine, formatEventName, TIME_BYTES, TimeColumn, UNKNOWN_EVENT, unknownEventLine, type TimeStyle } from "./line.ts";
import type { ReportOptions } from "./report.ts";
import type { RecordStream } from "./streams.ts";
import { printsInUsecs } from "./time.ts";
import { addContext } from "../tracedat/reader/error-context.ts";
import type { WakeupLatency } from "./wakeup.ts";
import { latencyFields, latencyTask, putLatency, type LatencyFields } from "./latency.ts";

/** Per-handle constant columns and caches, as bytes. */
export interface HandleColumns {
  prefix: Uint8Array;
  time: TimeColumn;
  /** "%16s-%-5d [" (with -l "%8.8s-%-5d ") per pid. */
  tasks: Map<number, Uint8Array>;
  /** Per common_type: the format and its padded name column; null for ids with no format. */
  events: (EventColumn | null | undefined)[];
  /** Host file in tag mode: " (GUEST vCPU N)" for lines of a guest's vCPU thread, by host tid. */
  vcpuNotes?: Map<number, Uint8Array>;
  /** --ts-diff counts in µs (trace-cmd: the file names its trace clock, no --ts2secs, no -t). */
  diffInUsecs: boolean;
}

interface EventColumn {
  event: EventFormat;
  name: Uint8Array;
  /** -R, or -r matched this event: its fields, not its print fmt. */
  raw: boolean;
  /** -l: where the latency columns' common fields are. */
  latency?: LatencyFields;
  /** sched_switch (both tasks) and sched_wakeup(_new) teach the comm table, as the sched plugin does. */
  learn?: CommField[];
}

interface CommField {
  pidOffset: number;
  commOffset: number;
  commSize: number;
}

/** The (pid, comm) field pairs libtraceevent's sched plugin registers, in its order. */
const LEARNS_COMM: Record<string, [pid: string, comm: string][]> = {
  sched_switch: [
    ["prev_pid", "prev_comm"],
    ["next_pid", "next_comm"],
  ],
  sched_wakeup: [["pid", "comm"]],
  sched_wakeup_new: [["pid", "comm"]],
};

function learnFields(event: EventFormat): CommField[] | undefined {
  const pairs = event.system === "sched" ? LEARNS_COMM[event.name] : undefined;
  const found = (pairs ?? []).flatMap(([pidName, commName]) => {
    const pid = event.fields.find((f) => f.name === pidName);
    const comm = event.fields.find((f) => f.name === commName);
    return pid && comm && pid.size === 4 ? [{ pidOffset: pid.offset, commOffset: comm.offset, commSize: comm.size }] : [];
  });
  return found.length > 0 ? found : undefined;
}

/** The record's cpu and time as plugins see them (function indentation, func_repeats); reused per line. */
class RecordView implements RecordInfo {
  cpu = 0;
  #ts: number | bigint = 0;

  set(cpu: number, ts: number | bigint): void {
    this.cpu = cpu;
    this.#ts = ts;
  }

  get ts(): bigint {
    return BigInt(this.#ts);
  }
}

/** Room for the columns before the info: the cached pieces plus the cpu and time columns. */
const HEAD_BYTES = 64 + TIME_BYTES;
const NEWLINE = 10;
const UNKNOWN_LINE = encodeText(`${unknownEventLine()}\n`);
/** The unknown-event line cut where --ts-diff goes: after the task and time columns. */
const UNKNOWN_HEAD = encodeText(`${UNKNOWN_EVENT}${UNKNOWN_EVENT}`);
const UNKNOWN_TAIL = UNKNOWN_LINE.subarray(UNKNOWN_HEAD.length);
/** Room for " %-8s" of "(+N)" with N a 64-bit number. */
const TS_DIFF_BYTES = 32;

export class LinePrinter {
  #record = new RecordView();
  #columns = new Map<Handle, HandleColumns>();
  readonly #decoder = new TextDecoder();
  /** --ts-diff: the previous printed record's time (trace-cmd's static last_ts; 0 means none yet). */
  #lastDiffTs = 0n;

  constructor(
    readonly state: PrefixState,
    readonly opts: ReportOptions,
    /** -w: wakeup latencies, appended to the sched_switch lines that end a wait. */
    readonly wakeup?: WakeupLatency,
  ) {}

  /** Writes the current record of s as one line; false once the reader of the output has gone. */
  line(s: RecordStream, out: ByteSink): boolean {
    const h = s.handle;
    const cols = (s.columns ??= this.#columnsOf(h));
    const r = s.records;
    if (r.missed !== 0 && !this.#dropped(out, cols.prefix, s.cpu, r.missed)) return false;
    const column = r.payloadSize >= 8 ? this.#event(cols, h, r.commonType) : null;
    if (!column) return this.#unknown(out, cols, s);
    const pid = r.commonPid;
    let task = cols.tasks.get(pid);
    if (task === undefined) cols.tasks.set(pid, (task = encodeText(this.#taskText(h.ctx.comms.comm(pid), pid))));
    // One room for every column before the info (the dropped line already carried the prefix).
    if (!out.room(cols.prefix.length + task.length + column.name.length + HEAD_BYTES + TS_DIFF_BYTES)) return false;
    // The line is held until it is whole: if its info fails (a damaged kallsyms read on first use),
    // no half line reaches the output before the error.
    out.held = out.pos;
    if (r.missed === 0) putBytes(out, cols.prefix);
    putBytes(out, task);
    if (column.latency) putLatency(out, s.cpu, r.page, r.payloadOffset, column.latency, this.opts.raw, h.input.dat.params.littleEndian);
    else putCpu(out, s.cpu);
    cols.time.put(out, s.ts);
    if (this.opts.tsDiff) this.#putTsDiff(out, s.ts, cols.diffInUsecs);
    putBytes(out, column.name);
    this.#record.set(s.cpu, s.ts);
    try {
      // writeRecord() already drops one trailing newline and stops at a NUL, as trace-cmd does.
      h.ctx.catalog.writeRecord(out, column.event, r.page, r.payloadOffset, r.payloadSize, column.raw, this.#record);
    } catch (e) {
      out.pos = out.held;
      throw addContext(e, "file", h.input.path, h.input.path);
    } finally {
      out.held = -1;
    }
    if (column.learn) for (const at of column.learn) this.#learnComm(h, at, r.page, r.payloadOffset, r.payloadSize);
    if (this.wakeup) writeText(out, this.wakeup.see(r.commonType, r.page, r.payloadOffset, BigInt(s.ts), h.input.dat.params.littleEndian));
    const note = cols.vcpuNotes?.get(pid);
    out.room(1 + (note?.length ?? 0));
    if (note) putBytes(out, note);
    out.buf[out.pos++] = NEWLINE;
    return true;
  }

  /** A record whose event has no format: "[UNKNOWN EVENT]" in the task, time and info columns. */
  #unknown(out: ByteSink, cols: HandleColumns, s: RecordStream): boolean {
    if (!out.room(cols.prefix.length + UNKNOWN_LINE.length + TS_DIFF_BYTES)) return false;
    if (s.records.missed === 0) putBytes(out, cols.prefix);
    if (!this.opts.tsDiff) {
      putBytes(out, UNKNOWN_LINE);
      return true;
    }
    putBytes(out, UNKNOWN_HEAD);
    this.#putTsDiff(out, s.ts, cols.diffInUsecs);
    putBytes(out, UNKNOWN_TAIL);
    return true;
  }

  /** --ts-diff: " %-8s" of "(+N)", N the time since the previous printed record; blank for the first. */
  #putTsDiff(out: ByteSink, ts: number | bigint, inUsecs: boolean): void {
    let t = BigInt(ts);
    if (inUsecs && !this.opts.nsec) t = (t + 500n) / 1000n;
    const diff = this.#lastDiffTs === 0n ? "" : `(+${BigInt.asIntN(64, t - this.#lastDiffTs)})`;
    this.#lastDiffTs = t;
    writeText(out, ` ${diff.padEnd(8)}`);
  }

  /** The prefix, then "CPU:N [.. EVENTS DROPPED]" on its own line; the record's line follows unprefixed. */
  #dropped(out: ByteSink, prefix: Uint8Array, cpu: number, missed: number): boolean {
    if (!out.room(prefix.length)) return false;
    putBytes(out, prefix);
    writeText(out, droppedLine(cpu, missed));
    return true;
  }

  #learnComm(h: Handle, at: CommField, page: Uint8Array, offset: number, size: number): void {
    if (at.pidOffset + 4 > size || at.commOffset + at.commSize > size) return;
    const p = offset + at.pidOffset;
    const pid = h.input.dat.params.littleEndian
      ? page[p]! | (page[p + 1]! << 8) | (page[p + 2]! << 16) | (page[p + 3]! << 24)
      : (page[p]! << 24) | (page[p + 1]! << 16) | (page[p + 2]! << 8) | page[p + 3]!;
    if (h.ctx.comms.knows(pid)) return;
    const raw = page.subarray(offset + at.commOffset, offset + at.commOffset + at.commSize);
    if (!h.ctx.comms.learn(pid, this.#decoder.decode(untilNul(raw)))) return;
    for (const [other, cols] of this.#columns) if (other.ctx === h.ctx) cols.tasks.delete(pid);
  }

  #event(cols: HandleColumns, h: Handle, id: number): EventColumn | null {
    let column = cols.events[id];
    if (column === undefined) {
      // Filled up to id, so the array stays dense: ids run into the thousands and a write far past
      // the end would make a sparse array, whose reads cost a hash lookup per record.
      while (cols.events.length <= id) cols.events.push(undefined);
      const event = h.ctx.event(id);
      const latency = this.opts.latency && event ? latencyFields(event) : undefined;
      column = cols.events[id] = event ? this.#column(event, latency) : null;
    }
    return column;
  }

  #column(event: EventFormat, latency: LatencyFields | undefined): EventColumn {
    const raw = this.opts.raw || this.opts.rawEvents?.(event) === true;
    // The sched plugin learns comms in its handler, which neither a raw print nor -n calls.
    const learn = raw || this.opts.noHandlerEvents?.(event) ? undefined : learnFields(event);
    return { event, name: encodeText(formatEventName(event.name)), raw, learn, latency };
  }

  /** "%16s-%-5d [" before the cpu; with -l, "%8.8s-%-5d " (the latency columns follow). */
  #taskText(comm: string, pid: number): string {
    return this.opts.latency ? latencyTask(comm, pid) : `${comm.padStart(16)}-${String(pid).padEnd(5)} [`;
  }

  #columnsOf(h: Handle): HandleColumns {
    let cols = this.#columns.get(h);
    if (cols === undefined) {
      const style: TimeStyle = !printsInUsecs(h.input.dat, this.opts.rawTs) ? "raw" : this.opts.nsec ? "nsecs" : "usecs";
      const diffInUsecs = h.input.dat.options.traceClock !== undefined && h.input.ts2secsHz === undefined;
      cols = { prefix: encodeText(handlePrefix(h, this.state)), time: new TimeColumn(style), tasks: new Map(), events: [], vcpuNotes: h.vcpuNotes, diffInUsecs };
      this.#columns.set(h, cols);
    }
    return cols;
  }
}

/** "%03d]": the cpu number, at least three digits. */
function putCpu(out: ByteSink, cpu: number): void {
  const buf = out.buf;
  let pos = out.pos;
  if (cpu >= 1000) {
    const text = String(cpu);
    for (let i = 0; i < text.length; i++) buf[pos++] = text.charCodeAt(i);
  } else {
    buf[pos++] = 48 + Math.floor(cpu / 100);
    buf[pos++] = 48 + (Math.floor(cpu / 10) % 10);
    buf[pos++] = 48 + (cpu % 10);
  }
  buf[pos++] = 93;
  out.pos = pos;
}
