// Payload encoders for the options vtrace writes.
// Text options carry a trailing NUL; numbers are in the file's byte order.

import { ByteWriter } from "../lib/writer.ts";
import {
  TRACECMD_OPTION_CPUCOUNT,
  TRACECMD_OPTION_CPUSTAT,
  TRACECMD_OPTION_GUEST,
  TRACECMD_OPTION_TIME_SHIFT,
  TRACECMD_OPTION_TRACECLOCK,
  TRACECMD_OPTION_TRACEID,
  TRACECMD_OPTION_TSC2NSEC,
  TRACECMD_OPTION_UNAME,
  TRACECMD_OPTION_VERSION,
  type TraceOption,
} from "./model.ts";

export function textOption(id: number, text: string): TraceOption {
  return { id, data: new ByteWriter(true, text.length + 1).cstring(text).finish() };
}

export function u32Option(id: number, value: number, littleEndian: boolean): TraceOption {
  return { id, data: new ByteWriter(littleEndian, 4).u32(value).finish() };
}

export function u64Option(id: number, value: bigint, littleEndian: boolean): TraceOption {
  return { id, data: new ByteWriter(littleEndian, 8).u64(value).finish() };
}

export interface RecordingFacts {
  /** trace_clock file text as the kernel printed it. */
  clockFileText: string;
  uname: string;
  version: string;
  traceId: bigint;
  /** per_cpu/cpuN/stats text, index = cpu. */
  cpuStats: readonly string[];
  cpuCount: number;
  /** Options trace-cmd writes after the CPU stats (GUEST, TSC2NSEC...). */
  extra?: readonly TraceOption[];
}

/** The option list in trace-cmd record's order: TRACECLOCK, UNAME, VERSION, TRACEID, CPUSTAT×n, CPUCOUNT. */
export function recordingOptions(facts: RecordingFacts, littleEndian: boolean): TraceOption[] {
  return [
    textOption(TRACECMD_OPTION_TRACECLOCK, facts.clockFileText),
    textOption(TRACECMD_OPTION_UNAME, facts.uname),
    textOption(TRACECMD_OPTION_VERSION, facts.version),
    u64Option(TRACECMD_OPTION_TRACEID, facts.traceId, littleEndian),
    ...facts.cpuStats.map((text, cpu) => textOption(TRACECMD_OPTION_CPUSTAT, `CPU: ${cpu}\n${text}`)),
    ...(facts.extra ?? []),
    u32Option(TRACECMD_OPTION_CPUCOUNT, facts.cpuCount, littleEndian),
  ];
}

export interface GuestVcpu {
  vcpu: number;
  /** Host thread running the vCPU (-1 when unknown). */
  pid: number;
}

/** GUEST: name\0, u64 guest trace id, u32 vCPU count, {u32 vcpu, u32 host pid} each. */
export function guestOption(name: string, traceId: bigint, vcpus: readonly GuestVcpu[], littleEndian: boolean): TraceOption {
  const w = new ByteWriter(littleEndian, 64).cstring(name).u64(traceId).u32(vcpus.length);
  for (const v of vcpus) w.u32(v.vcpu).i32(v.pid);
  return { id: TRACECMD_OPTION_GUEST, data: w.finish() };
}

export interface TsyncPoint {
  /** Guest clock. */
  time: bigint;
  /** Added to guest time to get host time. */
  offset: bigint;
}

/**
 * TIME_SHIFT: u64 host trace id, u32 flags, u32 cpus, per CPU {u32 count,
 * u64 time × count, s64 offset × count, u64 scaling × count}, then per CPU u64 fraction × count.
 * Every guest CPU gets the same points. With one point trace-cmd applies ts' = ts + offset.
 */
export function timeShiftOption(hostTraceId: bigint, cpus: number, flags: number, points: readonly TsyncPoint[], littleEndian: boolean): TraceOption {
  return timeShiftOptionPerCpu(hostTraceId, flags, Array.from({ length: cpus }, () => points), littleEndian);
}

/** TIME_SHIFT with each guest CPU's own points (KVM keeps a TSC offset per vCPU). */
export function timeShiftOptionPerCpu(hostTraceId: bigint, flags: number, perCpu: readonly (readonly TsyncPoint[])[], littleEndian: boolean): TraceOption {
  const total = perCpu.reduce((n, points) => n + points.length, 0);
  const w = new ByteWriter(littleEndian, 16 + perCpu.length * 4 + total * 32);
  w.u64(hostTraceId).u32(flags).u32(perCpu.length);
  for (const points of perCpu) {
    w.u32(points.length);
    for (const p of points) w.u64(p.time);
    for (const p of points) w.i64(p.offset);
    for (let i = 0; i < points.length; i++) w.u64(1n);
  }
  for (const points of perCpu) for (let i = 0; i < points.length; i++) w.u64(0n);
  return { id: TRACECMD_OPTION_TIME_SHIFT, data: w.finish() };
}

/**
 * TSC2NSEC: u32 mult, u32 shift, u64 offset; trace-cmd report shows
 * ns = (ts × mult) >> shift (after TIME_SHIFT) and, in 3.1.6, reads but does not apply the offset.
 */
export function tsc2nsecOption(mult: number, shift: number, offset: bigint, littleEndian: boolean): TraceOption {
  return { id: TRACECMD_OPTION_TSC2NSEC, data: new ByteWriter(littleEndian, 16).u32(mult).u32(shift).u64(offset).finish() };
}
