// After a host + guest recording: find the clock-sync markers in the host file and in the guest's
// per-CPU data, estimate the guest→host TSC offset per probe round, and give the TIME_SHIFT option
// for the guest file (so `trace-cmd report -i host -i guest` and `vtrace report` put guest events on
// host time, interpolated between rounds when there are several).

import { openFileSource } from "../io/file-source.ts";
import type { HandshakeOffset } from "../merge/clock-map.ts";
import { type Marker, pairSyncSamples, printLayout, syncMarkers } from "../merge/sync-markers.ts";
import { bestRound, kvmShiftPoints, roundOffsets, timeShiftPoints, tscOffsetShiftPoints } from "../merge/time-shift-samples.ts";
import { timeShiftOption, timeShiftOptionPerCpu } from "../tracedat/options-encode.ts";
import { selectedClock } from "../tracedat/model.ts";
import { KVM_DEBUGFS, readKvmClock } from "./kvm-debugfs.ts";
import { readTscOffsetEvents } from "./kvm-events.ts";
import type { TraceOption } from "../tracedat/model.ts";
import type { TraceDat } from "../tracedat/reader/trace-dat.ts";

export interface GuestTimeShift extends HandshakeOffset {
  samples: number;
  rounds: number;
  option: TraceOption;
}

/** Where one CPU's pages are: a byte range of a readable source. */
interface CpuRange {
  read(offset: number, length: number): Uint8Array;
  offset: number;
  size: number;
}

const CHUNK_PAGES = 256;

/** Scans each CPU's pages a chunk at a time, so memory stays bounded however long the recording. */
function markersOf(dat: TraceDat, ranges: readonly (CpuRange | undefined)[]): Marker[] {
  const print = printLayout(dat.metadata.ftraceFormats);
  if (!print) return [];
  const layout = { littleEndian: dat.params.littleEndian, longSize: dat.kernelLongSize };
  const chunk = dat.params.pageSize * CHUNK_PAGES;
  const out: Marker[] = [];
  for (const r of ranges) {
    for (let at = 0; r && at < r.size; at += chunk) {
      out.push(...syncMarkers(r.read(r.offset + at, Math.min(chunk, r.size - at)), dat.params.pageSize, layout, print));
    }
  }
  return out;
}

function hostMarkers(host: TraceDat): Marker[] {
  const read = (offset: number, length: number) => host.source.read(offset, length);
  return markersOf(host, host.buffers[0]!.cpus.map((c) => ({ read, offset: c.offset, size: c.size })));
}

function guestMarkers(guest: TraceDat, cpuFiles: readonly string[]): Marker[] {
  const sources = cpuFiles.map((f) => openFileSource(f));
  try {
    return markersOf(guest, sources.map((src) => ({ read: (o: number, n: number) => src.read(o, n), offset: 0, size: src.size })));
  } finally {
    for (const src of sources) src[Symbol.dispose]();
  }
}

/** TIME_SHIFT from the clock-sync probes: the host trace's markers paired with the guest's. */
export function guestTimeShift(host: TraceDat, hostTraceId: bigint, domain: string, guest: TraceDat, guestCpuFiles: readonly string[]): GuestTimeShift | undefined {
  const samples = pairSyncSamples(hostMarkers(host), guestMarkers(guest, guestCpuFiles), domain);
  if (samples.length === 0) return undefined;
  const rounds = roundOffsets(samples);
  const { flags, points } = timeShiftPoints(rounds);
  const option = timeShiftOption(hostTraceId, guestCpuFiles.length, flags, points, guest.params.littleEndian);
  const best = bestRound(rounds)!;
  return { offset: best.offset, errorBound: best.errorBound, samples: samples.length, rounds: rounds.length, option };
}

export interface KvmTimeShift {
  /** vCPU 0's TSC offset (guest TSC = host TSC + offset), the last one in force. */
  offset: bigint;
  option: TraceOption;
  source: "kvm-events" | "kvm-debugfs";
}

export interface KvmGuest {
  qemuPid: number;
  domain: string;
  host: TraceDat;
  hostTraceId: bigint;
  /** The guest's metadata (its v6 head), read as a TraceDat. */
  guest: TraceDat;
  cpus: number;
  debugfs?: string;
}

const TSC_CLOCKS = new Set(["x86-tsc", "tsc2nsec"]);

/**
 * TIME_SHIFT from KVM's own TSC offsets, the best sources where they exist: exact, no probes.
 * kvm_write_tsc_offset events in the host trace first (they follow offset changes while
 * recording), then each vCPU's debugfs offset. Only when both files count the TSC (x86-tsc).
 */
export function kvmTimeShift(g: KvmGuest): KvmTimeShift | undefined {
  const le = g.guest.params.littleEndian;
  const hostClock = selectedClock(g.host.clockText ?? g.host.options.traceClock);
  if (!TSC_CLOCKS.has(selectedClock(g.guest.options.traceClock)) || !TSC_CLOCKS.has(hostClock)) return undefined;
  const events = readTscOffsetEvents(g.host, g.domain);
  const stepped = tscOffsetShiftPoints(events, g.cpus);
  if (stepped) {
    // vCPU 0's steps end in the offset last in force (past the end-of-time point's twin).
    const offset = -stepped[0]!.at(-1)!.offset;
    return { offset, option: timeShiftOptionPerCpu(g.hostTraceId, 0, stepped, le), source: "kvm-events" };
  }
  const vcpus = readKvmClock(g.qemuPid, g.debugfs ?? KVM_DEBUGFS);
  const perCpu = vcpus && kvmShiftPoints(vcpus, g.cpus);
  if (!perCpu) return undefined;
  return { offset: vcpus![0]!.tscOffset, option: timeShiftOptionPerCpu(g.hostTraceId, 0, perCpu, le), source: "kvm-debugfs" };
}
