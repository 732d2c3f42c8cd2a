// The latency columns of `trace-cmd report -l`: "%8.8s-%-5d %3d" (comm, pid, cpu), then libtraceevent's
// latency flags: irqs-off ('d', 'X' when unsupported), need-resched ('N'), hard/soft irq ('H' both,
// 'h', 's'), the preempt count's low and high nibbles in hex ('.' for 0), and, on kernels that have
// them, common_migrate_disable and common_lock_depth; with -R, "-0x<common_flags>" instead.
// Source of truth: trace-cmd 3.1.6 trace-read.c trace_show_data() (cfmt); libtraceevent 1.7.1
// event-parse.c data_latency_format(), include/traceevent/event-parse.h TRACE_FLAG_*.

import type { ByteSink } from "../lib/byte-sink.ts";
import type { EventField, EventFormat } from "./events.ts";

const IRQS_OFF = 0x01;
const IRQS_NOSUPPORT = 0x02;
const NEED_RESCHED = 0x04;
const HARDIRQ = 0x08;
const SOFTIRQ = 0x10;

/** Where an event's records keep the common fields the latency columns read. */
export interface LatencyFields {
  flags?: EventField;
  preemptCount?: EventField;
  migrateDisable?: EventField;
  lockDepth?: EventField;
}

export function latencyFields(event: EventFormat): LatencyFields {
  const common = (name: string) => event.commonFields.find((f) => f.name === name);
  return {
    flags: common("common_flags"),
    preemptCount: common("common_preempt_count"),
    migrateDisable: common("common_migrate_disable"),
    lockDepth: common("common_lock_depth"),
  };
}

/** "%8.8s-%-5d " (comm cut to 8 characters): what comes before the cpu in -l lines. */
export function latencyTask(comm: string, pid: number): string {
  return `${comm.slice(0, 8).padStart(8)}-${String(pid).padEnd(5)} `;
}

/** The hard/soft irq bits of common_flags, for report -I and -S. */
export const TRACE_FLAG_HARDIRQ = HARDIRQ;
export const TRACE_FLAG_SOFTIRQ = SOFTIRQ;

/** "%3d" cpu, then the flags of the record whose payload starts at page[offset]; the caller made room. */
export function putLatency(out: ByteSink, cpu: number, page: Uint8Array, offset: number, fields: LatencyFields, raw: boolean, littleEndian: boolean): void {
  let text = String(cpu).padStart(3);
  const flags = readField(page, offset, fields.flags, littleEndian);
  if (raw) text += `-0x${flags.toString(16)}`;
  else {
    const pc = readField(page, offset, fields.preemptCount, littleEndian);
    const irq = flags & HARDIRQ ? (flags & SOFTIRQ ? "H" : "h") : flags & SOFTIRQ ? "s" : ".";
    text += flags & IRQS_OFF ? "d" : flags & IRQS_NOSUPPORT ? "X" : ".";
    text += (flags & NEED_RESCHED ? "N" : ".") + irq;
    text += pc & 0xf ? (pc & 0xf).toString(16) : ".";
    text += pc & 0xf0 ? (pc >> 4).toString(16) : ".";
    if (fields.migrateDisable) text += depth(readField(page, offset, fields.migrateDisable, littleEndian, true));
    if (fields.lockDepth) text += depth(readField(page, offset, fields.lockDepth, littleEndian, true));
  }
  const buf = out.buf;
  let pos = out.pos;
  for (let i = 0; i < text.length; i++) buf[pos++] = text.charCodeAt(i);
  out.pos = pos;
}

function depth(v: number): string {
  return v < 0 ? "." : String(v);
}

/** A field of up to 4 bytes, unsigned unless `signed` (0 when the event lacks it). */
export function readField(page: Uint8Array, offset: number, f: EventField | undefined, littleEndian: boolean, signed = false): number {
  if (!f || f.size < 1 || f.size > 4) return 0;
  let v = 0;
  for (let i = 0; i < f.size; i++) {
    const byte = page[offset + f.offset + (littleEndian ? f.size - 1 - i : i)]!;
    v = v * 256 + byte;
  }
  if (signed && v >= 2 ** (8 * f.size - 1)) v -= 2 ** (8 * f.size);
  return v;
}
