// report -w: wakeup latency, from a task's sched_wakeup(_new) to the sched_switch that runs it.
// A printed sched_switch that ends a wait gets " Latency: U.NNN usecs"; the totals follow the trace.
// trace-cmd keys waits by a hash of the pid; vtrace by the pid (they differ only on a hash collision).
// Source of truth: trace-cmd 3.1.6 trace-read.c init_wakeup(), process_wakeup(), add_wakeup(),
// add_sched(), show_wakeup_timings(), finish_wakeup().

import type { FileContext } from "./catalog.ts";
import type { EventField, EventFormat } from "./events.ts";
import { readField } from "./latency.ts";

const U64 = (1n << 64n) - 1n;

interface WakeupEvent {
  id: number;
  pid: EventField;
  success?: EventField;
}

interface Timings {
  total: bigint;
  count: number;
  max: bigint;
  maxAt: bigint;
  min: bigint;
  minAt: bigint;
}

const noTimings = (): Timings => ({ total: 0n, count: 0, max: 0n, maxAt: 0n, min: U64, minAt: 0n });

export class WakeupLatency {
  readonly #wakeups: WakeupEvent[];
  readonly #switch: { id: number; nextPid: EventField; nextPrio: EventField };
  readonly #waiting = new Map<number, bigint>();
  readonly #all = noTimings();
  readonly #rt = noTimings();

  /** Undefined when the file lacks the sched events or fields (trace-cmd then turns -w off silently). */
  static for(ctx: FileContext): WakeupLatency | undefined {
    const wakeup = wakeupEvent(ctx.eventByName("sched", "sched_wakeup"));
    const sw = ctx.eventByName("sched", "sched_switch");
    const nextPid = field(sw, "next_pid");
    const nextPrio = field(sw, "next_prio");
    if (!wakeup || !sw || !nextPid || !nextPrio) return undefined;
    const wakeupNew = ctx.eventByName("sched", "sched_wakeup_new");
    const wakeups = [wakeup];
    if (wakeupNew) {
      const e = wakeupEvent(wakeupNew);
      if (!e) return undefined;
      wakeups.push(e);
    }
    return new WakeupLatency(wakeups, { id: sw.id, nextPid, nextPrio });
  }

  private constructor(wakeups: WakeupEvent[], sw: { id: number; nextPid: EventField; nextPrio: EventField }) {
    this.#wakeups = wakeups;
    this.#switch = sw;
  }

  /** Sees a printed record (ts: its report time); returns what trace-cmd appends to its line. */
  see(id: number, payload: Uint8Array, offset: number, ts: bigint, littleEndian: boolean): string {
    const read = (f: EventField) => readField(payload, offset, f, littleEndian);
    const wakeup = this.#wakeups.find((w) => w.id === id);
    if (wakeup) {
      if (!(wakeup.success && read(wakeup.success) === 0)) this.#waiting.set(read(wakeup.pid), ts);
      return "";
    }
    if (id !== this.#switch.id) return "";
    const rt = read(this.#switch.nextPrio) <= 99;
    const pid = read(this.#switch.nextPid);
    const start = this.#waiting.get(pid);
    if (start === undefined) return "";
    this.#waiting.delete(pid);
    const lat = (ts - start) & U64;
    add(this.#all, lat, ts);
    if (rt) add(this.#rt, lat, ts);
    return ` Latency: ${usecs(lat)} usecs`;
  }

  /** The text after the trace: averages, maximum and minimum, then the same for RT tasks. */
  summary(): string {
    if (this.#all.count === 0) return "";
    const rt = this.#rt.count > 0 ? `RT task timings:\n${timingsText(this.#rt)}` : "";
    return timingsText(this.#all) + rt;
  }
}

function field(event: EventFormat | undefined, name: string): EventField | undefined {
  return event?.fields.find((f) => f.name === name);
}

function wakeupEvent(event: EventFormat | undefined): WakeupEvent | undefined {
  const pid = field(event, "pid");
  return event && pid ? { id: event.id, pid, success: field(event, "success") } : undefined;
}

function add(t: Timings, lat: bigint, at: bigint): void {
  if (lat > t.max) [t.max, t.maxAt] = [lat, at];
  if (lat < t.min) [t.min, t.minAt] = [lat, at];
  t.total = (t.total + lat) & U64;
  t.count++;
}

/** "%llu.%03llu" of ns as µs. */
function usecs(ns: bigint): string {
  return `${ns / 1000n}.${String(ns % 1000n).padStart(3, "0")}`;
}

/** "%llu.%06llu" of (ts / 1e9, ((ts + 500) % 1e9) / 1000): trace-cmd rounds without carrying. */
function timestamp(ts: bigint): string {
  return `${ts / 1_000_000_000n}.${String(((ts + 500n) % 1_000_000_000n) / 1000n).padStart(6, "0")}`;
}

function timingsText(t: Timings): string {
  const average = t.total / BigInt(t.count);
  return (
    `\nAverage wakeup latency: ${usecs(average)} usecs\n` +
    `Maximum Latency: ${usecs(t.max)} usecs at timestamp: ${timestamp(t.maxAt)}\n` +
    `Minimum Latency: ${usecs(t.min)} usecs at timestamp: ${timestamp(t.minAt)}\n\n`
  );
}
