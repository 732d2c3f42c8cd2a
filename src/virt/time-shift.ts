// After a host + guest recording: find the clock-sync markers in the host file and in the guest's
// per-CPU data, estimate the guest→host TSC offset, and give the TIME_SHIFT option for the guest
// file (so `trace-cmd report -i host -i guest` and `vtrace report` put guest events on host time).

import { readFileSync } from "node:fs";
import { openFileSource } from "../io/file-source.ts";
import { fromHandshake, type HandshakeOffset } from "../merge/clock-map.ts";
import { type Marker, pairSyncSamples, printLayout, syncMarkers } from "../merge/sync-markers.ts";
import type { TraceOption } from "../tracedat/model.ts";
import { timeShiftOption } from "../tracedat/options-encode.ts";
import { memorySource } from "../tracedat/reader/byte-source.ts";
import { openTraceDat } from "../tracedat/reader/open.ts";
import type { TraceDat } from "../tracedat/reader/trace-dat.ts";

export interface GuestTimeShift extends HandshakeOffset {
  samples: number;
  option: TraceOption;
}

function markersOf(dat: TraceDat, cpuData: (cpu: number) => Uint8Array | undefined, cpus: number): Marker[] {
  const print = printLayout(dat.metadata.ftraceFormats);
  if (!print) return [];
  const layout = { littleEndian: dat.params.littleEndian, longSize: dat.kernelLongSize };
  const out: Marker[] = [];
  for (let cpu = 0; cpu < cpus; cpu++) {
    const data = cpuData(cpu);
    if (data) out.push(...syncMarkers(data, dat.params.pageSize, layout, print));
  }
  return out;
}

function hostMarkers(hostFile: string): Marker[] {
  using src = openFileSource(hostFile);
  const dat = openTraceDat(src);
  const top = dat.buffers[0]!;
  return markersOf(dat, (cpu) => {
    const ref = top.cpus.find((c) => c.cpu === cpu);
    return ref && ref.size > 0 ? src.read(ref.offset, ref.size) : undefined;
  }, top.cpus.length);
}

/** A v6 guest head parsed with an empty flyrecord behind it, for its formats and layout. */
function guestDat(head: Uint8Array, cpus: number): TraceDat {
  const probe = new Uint8Array(head.length + 10 + cpus * 16 + 8 + 64);
  probe.set(head);
  probe.set(new TextEncoder().encode("flyrecord"), head.length);
  return openTraceDat(memorySource(probe));
}

export function guestTimeShift(hostFile: string, hostTraceId: bigint, domain: string, guestHead: Uint8Array, guestCpuFiles: readonly string[]): GuestTimeShift | undefined {
  const guest = guestDat(guestHead, guestCpuFiles.length);
  const guestMarks = markersOf(guest, (cpu) => new Uint8Array(readFileSync(guestCpuFiles[cpu]!)), guestCpuFiles.length);
  const samples = pairSyncSamples(hostMarkers(hostFile), guestMarks, domain);
  if (samples.length === 0) return undefined;
  const est = fromHandshake(samples);
  const first = samples[0]!.guestTsc;
  return { ...est, samples: samples.length, option: timeShiftOption(hostTraceId, guestCpuFiles.length, first, -est.offset, guest.params.littleEndian) };
}
