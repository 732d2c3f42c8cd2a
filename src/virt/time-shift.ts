// After a host + guest recording: find the clock-sync markers in the host file and in the guest's
// per-CPU data, estimate the guest→host TSC offset, and give the TIME_SHIFT option for the guest
// file (so `trace-cmd report -i host -i guest` and `vtrace report` put guest events on host time).

import { openFileSource } from "../io/file-source.ts";
import { openV6Head } from "../listen/output-file.ts";
import { fromHandshake, type HandshakeOffset } from "../merge/clock-map.ts";
import { type Marker, pairSyncSamples, printLayout, syncMarkers } from "../merge/sync-markers.ts";
import type { TraceOption } from "../tracedat/model.ts";
import { timeShiftOption } from "../tracedat/options-encode.ts";
import { openTraceDat } from "../tracedat/reader/open.ts";
import type { TraceDat } from "../tracedat/reader/trace-dat.ts";

export interface GuestTimeShift extends HandshakeOffset {
  samples: number;
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

function hostMarkers(hostFile: string): Marker[] {
  using src = openFileSource(hostFile);
  const dat = openTraceDat(src);
  const read = (offset: number, length: number) => src.read(offset, length);
  return markersOf(dat, dat.buffers[0]!.cpus.map((c) => ({ read, offset: c.offset, size: c.size })));
}

function guestMarkers(guest: TraceDat, cpuFiles: readonly string[]): Marker[] {
  const sources = cpuFiles.map((f) => openFileSource(f));
  try {
    return markersOf(guest, sources.map((src) => ({ read: (o: number, n: number) => src.read(o, n), offset: 0, size: src.size })));
  } finally {
    for (const src of sources) src[Symbol.dispose]();
  }
}

export function guestTimeShift(hostFile: string, hostTraceId: bigint, domain: string, guestHead: Uint8Array, guestCpuFiles: readonly string[]): GuestTimeShift | undefined {
  const guest = openV6Head(guestHead, guestCpuFiles.length);
  const samples = pairSyncSamples(hostMarkers(hostFile), guestMarkers(guest, guestCpuFiles), domain);
  if (samples.length === 0) return undefined;
  const est = fromHandshake(samples);
  const first = samples[0]!.guestTsc;
  return { ...est, samples: samples.length, option: timeShiftOption(hostTraceId, guestCpuFiles.length, first, -est.offset, guest.params.littleEndian) };
}
