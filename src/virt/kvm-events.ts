// kvm:kvm_write_tsc_offset events of one guest, read from the host's trace.dat: the events its QEMU
// vCPU threads (the host file's GUEST option) logged while recording, with their host TSC.
// Source of truth: kernel arch/x86/kvm/trace.h (vcpu_id, previous_tsc_offset, next_tsc_offset).

import type { EventFormat } from "../events/index.ts";
import type { TscOffsetEvent } from "../merge/clock-map.ts";
import { buildFileContext } from "../report/catalog.ts";
import { initialHandles } from "../report/handles.ts";
import { openStreams } from "../report/streams.ts";
import type { TraceDat } from "../tracedat/reader/trace-dat.ts";

const EVENT = "kvm_write_tsc_offset";

/** The guest's TSC offset changes in the host trace; [] when the host did not record that event. */
export function readTscOffsetEvents(dat: TraceDat, guest: string): TscOffsetEvent[] {
  const threads = new Set(dat.options.guests.find((g) => g.name === guest)?.hostTids.values() ?? []);
  const kvm = dat.metadata.eventSystems.find((s) => s.name === "kvm");
  if (threads.size === 0 || !kvm?.formats.some((f) => new TextDecoder().decode(f.subarray(0, 64)).includes(`name: ${EVENT}`))) return [];
  const input = { path: "host", dat, userOffsetNs: 0n };
  const ctx = buildFileContext(dat);
  const { handles } = initialHandles([input], [ctx], "file");
  const out: TscOffsetEvent[] = [];
  for (const s of openStreams(handles, { rawTs: true })) {
    const fields = new Map<number, { vcpu: number; previous: number; next: number } | null>();
    while (s.advance()) {
      const r = s.records;
      if (!threads.has(r.commonPid)) continue;
      let at = fields.get(r.commonType);
      if (at === undefined) fields.set(r.commonType, (at = offsetsOf(ctx.event(r.commonType))));
      if (!at || r.payloadSize < at.next + 8) continue;
      const dv = new DataView(r.page.buffer, r.page.byteOffset + r.payloadOffset, r.payloadSize);
      const le = dat.params.littleEndian;
      out.push({ hostTsc: r.tsRaw, vcpu: dv.getUint32(at.vcpu, le), previous: dv.getBigInt64(at.previous, le), next: dv.getBigInt64(at.next, le) });
    }
  }
  return out;
}

function offsetsOf(ev: EventFormat | undefined): { vcpu: number; previous: number; next: number } | null {
  if (ev?.system !== "kvm" || ev.name !== EVENT) return null;
  const at = (name: string, size: number) => ev.fields.find((f) => f.name === name && f.size === size)?.offset;
  const vcpu = at("vcpu_id", 4);
  const previous = at("previous_tsc_offset", 8);
  const next = at("next_tsc_offset", 8);
  return vcpu === undefined || previous === undefined || next === undefined ? null : { vcpu, previous, next };
}
