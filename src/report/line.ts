// One report line around the event info, as trace-cmd 3.1.6 trace_show_data() prints it:
// "%16s-%-5d [%03d]" comm/pid/cpu, the time, " %s: " name padded to 20 columns, then the info.
// Source of truth: research note §6; trace-cmd tracecmd/trace-read.c print_event_name(), time_format();
// libtraceevent event-parse.c print_event_time(), tep_print_event() ("[UNKNOWN EVENT]").

import { encodeText, putBytes, type ByteSink } from "../lib/byte-sink.ts";

const NAME_COLUMNS = 20;
const UNKNOWN_EVENT = "[UNKNOWN EVENT]";

export type TimeStyle = "usecs" | "nsecs" | "raw";

export function formatTime(tsNs: bigint, style: TimeStyle): string {
  if (style === "raw") return `${String(tsNs).padStart(12)}:`;
  if (style === "nsecs") return ` ${String(tsNs / 1_000_000_000n).padStart(5)}.${String(tsNs % 1_000_000_000n).padStart(9, "0")}:`;
  const us = (tsNs + 500n) / 1000n;
  return ` ${String(us / 1_000_000n).padStart(5)}.${String(us % 1_000_000n).padStart(6, "0")}:`;
}

/** Below this a double holds the value and its arithmetic exactly. */
const MAX_EXACT = 2 ** 52;
const ZERO = 48;
const COLON = 58;
/** Widest time column: a 20-digit raw counter and ':'. */
export const TIME_BYTES = 32;

/**
 * formatTime() written as bytes at out.pos (the caller has made TIME_BYTES of room), with doubles while
 * the value is exact and the seconds column cached for the run of records in the same second.
 */
export class TimeColumn {
  #sec = -1;
  #secBytes: Uint8Array = new Uint8Array(0);

  constructor(readonly style: TimeStyle) {}

  put(out: ByteSink, tsNs: number | bigint): void {
    const ns = Number(tsNs);
    if (ns > MAX_EXACT) {
      putBytes(out, encodeText(formatTime(BigInt(tsNs), this.style)));
      return;
    }
    if (this.style === "raw") {
      out.pos = putPadded(out.buf, out.pos, ns, 12);
      out.buf[out.pos++] = COLON;
      return;
    }
    const nsecs = this.style === "nsecs";
    const units = nsecs ? ns : Math.floor((ns + 500) / 1000);
    const perSec = nsecs ? 1e9 : 1e6;
    const sec = Math.floor(units / perSec);
    if (sec !== this.#sec) {
      this.#sec = sec;
      this.#secBytes = encodeText(` ${String(sec).padStart(5)}.`);
    }
    putBytes(out, this.#secBytes);
    const buf = out.buf;
    let frac = units - sec * perSec; // below 1e9: int32 arithmetic from here
    const digits = nsecs ? 9 : 6;
    const end = out.pos + digits;
    for (let at = end - 1; at >= out.pos; at--) {
      const q = (frac / 10) | 0;
      buf[at] = ZERO + frac - q * 10;
      frac = q;
    }
    buf[end] = COLON;
    out.pos = end + 1;
  }
}

/** Writes n (a non-negative integer double) right-aligned in width columns; returns the new pos. */
function putPadded(buf: Uint8Array, pos: number, n: number, width: number): number {
  let digits = 1;
  for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
  for (let i = digits; i < width; i++) buf[pos++] = 32;
  let v = n;
  for (let at = pos + digits - 1; at >= pos; at--) {
    const q = Math.floor(v / 10);
    buf[at] = ZERO + v - q * 10;
    v = q;
  }
  return pos + digits;
}

/** " name: " plus the spaces that line names shorter than 20 characters up. */
export function formatEventName(name: string): string {
  return ` ${name}: ${" ".repeat(Math.max(0, NAME_COLUMNS - name.length))}`;
}

/** A record whose common_type names no known event: every tep_print_event call prints the marker. */
export function unknownEventLine(): string {
  return `${UNKNOWN_EVENT}${UNKNOWN_EVENT}${formatEventName("(NULL)")}${UNKNOWN_EVENT}`;
}

/** "CPU:%d [%lld EVENTS DROPPED]" or "CPU:%d [EVENTS DROPPED]", on its own line before the record. */
export function droppedLine(cpu: number, missed: number): string {
  return missed > 0 ? `CPU:${cpu} [${missed} EVENTS DROPPED]\n` : `CPU:${cpu} [EVENTS DROPPED]\n`;
}
