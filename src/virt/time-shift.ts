// After a host + guest recording: find the clock-sync markers in the host file and in the guest's
// per-CPU data, estimate the guest→host TSC offset per probe round, and give the TIME_SHIFT option
// for the guest file (so `trace-cmd report -i host -i guest` and `vtrace report` put guest events on
// host time, interpolated between rounds when there are several).

import { openFileSource } from "../io/file-source.ts";
import { bufferCpuPages } from "../tracedat/reader/cpu-pages.ts";
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

const CHUNK_PAGES = 256;

/** The markers in a run of pages; `pages` yields whole pages (or runs of them) a bounded amount at a time. */
function markersOf(dat: TraceDat, pages: Iterable<Uint8Array>): Marker[] {
  const print = printLayout(dat.metadata.ftraceFormats);
  if (!print) return [];
  const layout = { littleEndian: dat.params.littleEndian, longSize: dat.kernelLongSize };
  const out: Marker[] = [];
  for (const run of pages) out.push(...syncMarkers(run, dat.params.pageSize, layout, print));
  return out;
}

/** The host file's top-buffer pages through the reader's page stream, so a compressed v7 file works too. */
function* hostPages(host: TraceDat): Generator<Uint8Array> {
  const b = host.buffers[0]!;
  for (const c of b.cpus) {
    const stream = bufferCpuPages(host, b, c);
    for (let page = stream.next(); page; page = stream.next()) yield page;
  }
}

/** A guest's per-CPU files (raw pages as the movers wrote them), CHUNK_PAGES at a time. */
function* guestPages(guest: TraceDat, cpuFiles: readonly string[]): Generator<Uint8Array> {
  const chunk = guest.params.pageSize * CHUNK_PAGES;
  for (const f of cpuFiles) {
    using src = openFileSource(f);
    for (let at = 0; at < src.size; at += chunk) yield src.read(at, Math.min(chunk, src.size - at));
  }
}

/** TIME_SHIFT from the clock-sync probes: the host trace's markers paired with the guest's. */
export function guestTimeShift(host: TraceDat, hostTraceId: bigint, domain: string, guest: TraceDat, guestCpuFiles: readonly string[]): GuestTimeShift | undefined {
  const samples = pairSyncSamples(markersOf(host, hostPages(host)), markersOf(guest, guestPages(guest, guestCpuFiles)), domain);
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
