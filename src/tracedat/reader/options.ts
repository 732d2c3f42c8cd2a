// trace.dat options (v6 option block, v7 OPTIONS sections): one decoder per id, unknown ids warned and skipped.
// Source of truth: trace-cmd 3.1.6 trace-input.c handle_options(), handle_buffer_option().

import { Cursor, decodeText, untilNul } from "../../lib/cursor.ts";
import * as M from "../model.ts";
import type { CpuDataRef } from "../model.ts";
import { strtoll } from "./strtoll.ts";

/** A v6 BUFFER option points at the instance's own "flyrecord" block. */
export interface BufferRefV6 {
  name: string;
  offset: number;
}

/** A v7 BUFFER option carries the whole CPU table. */
export interface BufferRefV7 {
  name: string;
  sectionOffset: number;
  clock: string;
  pageSize: number;
  cpus: CpuDataRef[];
}

export interface TsyncSample {
  time: bigint;
  offset: bigint;
  scaling: bigint;
  frac: bigint;
}

export interface TimeShift {
  peerTraceId: bigint;
  flags: number;
  /** Per guest CPU, samples sorted by time with duplicate times dropped. */
  cpus: TsyncSample[][];
}

export interface Tsc2Nsec {
  mult: number;
  shift: number;
  offset: bigint;
}

export interface FileOptions {
  /** Sum of DATE options, already in ns (hex µs × 1000). */
  dateNs: bigint;
  /** Sum of OFFSET options in ns. */
  offsetNs: bigint;
  traceClock?: string;
  cpuCount?: number;
  uname?: string;
  version?: string;
  traceId?: bigint;
  tsc2nsec?: Tsc2Nsec;
  timeShift?: TimeShift;
  cpustats: string[];
  buffersV6: BufferRefV6[];
  buffersV7: BufferRefV7[];
  /** v7: section offsets named by options 16–21. */
  sections: Map<number, number>;
  warnings: string[];
  /** GUEST options: the guests recorded alongside this (host) file. */
  guests: GuestInfo[];
  /** Every option as stored, in file order (DONE left out): what `convert` carries over. */
  stored: M.TraceOption[];
}

export function emptyOptions(): FileOptions {
  return { dateNs: 0n, offsetNs: 0n, cpustats: [], buffersV6: [], buffersV7: [], sections: new Map(), warnings: [], guests: [], stored: [] };
}

export interface OptionContext {
  littleEndian: boolean;
  version: 6 | 7;
  /** File offset of the option payload, for error messages. */
  offset: number;
}

type OptionDecoder = (opts: FileOptions, data: Uint8Array, ctx: OptionContext) => void;

const cursor = (data: Uint8Array, ctx: OptionContext) => new Cursor(data, ctx.littleEndian, ctx.offset);
const text = (data: Uint8Array) => decodeText(untilNul(data));

const DECODERS: Record<number, OptionDecoder> = {
  [M.TRACECMD_OPTION_DATE]: (o, d) => void (o.dateNs += strtoll(text(d)) * 1000n),
  [M.TRACECMD_OPTION_OFFSET]: (o, d) => void (o.offsetNs += strtoll(text(d))),
  [M.TRACECMD_OPTION_CPUSTAT]: (o, d) => void o.cpustats.push(text(d)),
  [M.TRACECMD_OPTION_BUFFER]: (o, d, ctx) => decodeBuffer(o, d, ctx),
  [M.TRACECMD_OPTION_TRACECLOCK]: (o, d) => void (o.traceClock = text(d)),
  [M.TRACECMD_OPTION_UNAME]: (o, d) => void (o.uname = text(d)),
  [M.TRACECMD_OPTION_HOOK]: () => {},
  [M.TRACECMD_OPTION_CPUCOUNT]: (o, d, ctx) => void (o.cpuCount = cursor(d, ctx).u32("cpu count")),
  [M.TRACECMD_OPTION_VERSION]: (o, d) => void (o.version = text(d)),
  [M.TRACECMD_OPTION_PROCMAPS]: () => {},
  [M.TRACECMD_OPTION_TRACEID]: (o, d, ctx) => void (d.length >= 8 && (o.traceId = cursor(d, ctx).u64("trace id"))),
  [M.TRACECMD_OPTION_TIME_SHIFT]: (o, d, ctx) => decodeTimeShift(o, d, ctx),
  [M.TRACECMD_OPTION_GUEST]: (o, d, ctx) => decodeGuest(o, d, ctx),
  [M.TRACECMD_OPTION_TSC2NSEC]: (o, d, ctx) => decodeTsc2Nsec(o, d, ctx),
  [M.TRACECMD_OPTION_STRINGS]: () => {},
  [M.TRACECMD_OPTION_BUFFER_TEXT]: () => {},
};

/** Options that point at a v7 metadata section. */
export const SECTION_IDS = [
  M.TRACECMD_OPTION_HEADER_INFO,
  M.TRACECMD_OPTION_FTRACE_EVENTS,
  M.TRACECMD_OPTION_EVENT_FORMATS,
  M.TRACECMD_OPTION_KALLSYMS,
  M.TRACECMD_OPTION_PRINTK,
  M.TRACECMD_OPTION_CMDLINES,
];

/** Applies one option to `opts`. DONE is handled by the caller (its framing differs between v6 and v7). */
export function applyOption(opts: FileOptions, id: number, data: Uint8Array, ctx: OptionContext): void {
  opts.stored.push({ id, data: data.slice() }); // a copy: cursors may reuse their read buffer
  if (SECTION_IDS.includes(id)) {
    if (data.length >= 8) opts.sections.set(id, cursor(data, ctx).u64n("section offset"));
    return;
  }
  const decode = DECODERS[id];
  if (decode) decode(opts, data, ctx);
  else opts.warnings.push(`unknown option ${id} at offset ${ctx.offset - 6}: skipped`);
}

function decodeBuffer(o: FileOptions, data: Uint8Array, ctx: OptionContext): void {
  const c = cursor(data, ctx);
  const offset = c.u64n("buffer offset");
  const name = c.cstring("buffer name");
  if (ctx.version === 6) {
    o.buffersV6.push({ name, offset });
    return;
  }
  const clock = c.cstring("buffer clock");
  const pageSize = c.u32("buffer page size");
  const count = c.u32("buffer cpu count");
  const cpus: CpuDataRef[] = [];
  for (let i = 0; i < count; i++) {
    cpus.push({ cpu: c.u32("buffer cpu id"), offset: c.u64n("cpu data offset"), size: c.u64n("cpu data size") });
  }
  o.buffersV7.push({ name, sectionOffset: offset, clock, pageSize, cpus });
}

function decodeTsc2Nsec(o: FileOptions, data: Uint8Array, ctx: OptionContext): void {
  if (data.length < 16) return;
  const c = cursor(data, ctx);
  o.tsc2nsec = { mult: c.u32("tsc2nsec mult"), shift: c.u32("tsc2nsec shift"), offset: c.u64("tsc2nsec offset") };
}

function decodeTimeShift(o: FileOptions, data: Uint8Array, ctx: OptionContext): void {
  if (data.length < 16) return;
  const c = cursor(data, ctx);
  const peerTraceId = c.u64("time shift peer id");
  const flags = c.u32("time shift flags");
  const nrCpus = c.u32("time shift cpu count");
  const cpus: TsyncSample[][] = [];
  for (let i = 0; i < nrCpus; i++) {
    const n = c.u32("time shift sample count");
    if (n * 24 > c.remaining) c.need(n * 24, "time shift samples");
    const times = Array.from({ length: n }, () => c.u64("sample time"));
    const offsets = Array.from({ length: n }, () => c.i64("sample offset"));
    const scalings = Array.from({ length: n }, () => c.u64("sample scaling"));
    cpus.push(times.map((time, k) => ({ time, offset: offsets[k]!, scaling: scalings[k]!, frac: 0n })));
  }
  if (c.remaining > 0) for (const samples of cpus) for (const s of samples) s.frac = c.u64("sample fraction");
  o.timeShift = { peerTraceId, flags, cpus: cpus.map(sortSamples) };
}

function sortSamples(samples: TsyncSample[]): TsyncSample[] {
  const sorted = [...samples].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  return sorted.filter((s, i) => i === 0 || s.time !== sorted[i - 1]!.time);
}

/** GUEST: name\0, u64 guest trace id, then the vCPU table (not needed by report). */
function decodeGuest(o: FileOptions, data: Uint8Array, ctx: OptionContext): void {
  o.guests.push(decodeGuestOption(cursor(data, ctx)));
}

/** A GUEST option: name, trace id, then (trace-cmd 3.1.6 add_guest_info()) an int vCPU count and {int vcpu, int host tid} each. */
export interface GuestInfo {
  name: string;
  traceId: bigint;
  /** Host thread id by vCPU number; vCPUs with an unknown thread (-1) or past a short table are left out. */
  hostTids: Map<number, number>;
}

const VCPU_ENTRY_BYTES = 8;

export function decodeGuestOption(c: Cursor): GuestInfo {
  const name = c.cstring("guest name");
  const traceId = c.u64("guest trace id");
  const hostTids = new Map<number, number>();
  if (c.remaining < 4) return { name, traceId, hostTids };
  const count = Math.min(c.u32("guest vcpu count"), Math.floor(c.remaining / VCPU_ENTRY_BYTES));
  for (let i = 0; i < count; i++) {
    const vcpu = c.u32("guest vcpu");
    const tid = c.i32("guest vcpu host thread");
    if (tid > 0) hostTids.set(vcpu, tid);
  }
  return { name, traceId, hostTids };
}
