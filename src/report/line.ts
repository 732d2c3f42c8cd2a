// One report line around the event info, as trace-cmd 3.1.6 trace_show_data() prints it:
// "%16s-%-5d [%03d]" comm/pid/cpu, the time, " %s: " name padded to 20 columns, then the info.
// Source of truth: trace-cmd tracecmd/trace-read.c print_event_name(), time_format();
// libtraceevent event-parse.c print_event_time(), tep_print_event() ("[UNKNOWN EVENT]").

import { encodeText, putBytes, type ByteSink } from "../lib/byte-sink.ts";

const NAME_COLUMNS = 20;
export const UNKNOWN_EVENT = "[UNKNOWN EVENT]";

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
  readonly #raw: boolean;
  readonly #nsecs: boolean;

  constructor(readonly style: TimeStyle) {
    this.#raw = style === "raw";
    this.#nsecs = style === "nsecs";
  }

  put(out: ByteSink, tsNs: number | bigint): void {
    // Number() is a call JSC does not inline (~30 ns, a tenth of a record's cost): only for a bigint.
    const ns = typeof tsNs === "number" ? tsNs : Number(tsNs);
    if (ns > MAX_EXACT) {
      putBytes(out, encodeText(formatTime(BigInt(tsNs), this.style)));
      return;
    }
    if (this.#raw) {
      out.pos = putPadded(out.buf, out.pos, ns, 12);
      out.buf[out.pos++] = COLON;
      return;
    }
    const nsecs = this.#nsecs;
    const units = nsecs ? ns : Math.floor((ns + 500) / 1000);
    const perSec = nsecs ? 1e9 : 1e6;
    const sec = Math.floor(units / perSec);
    if (sec !== this.#sec) {
      this.#sec = sec;
      this.#secBytes = encodeText(` ${String(sec).padStart(5)}.`);
    }
    putBytes(out, this.#secBytes);
    // The fraction as groups of three digits from a table: two or three divisions, not six or nine.
    const frac = (units - sec * perSec) | 0;
    const buf = out.buf;
    let pos = out.pos;
    if (nsecs) {
      const hi = (frac / 1e6) | 0;
      pos = put3(buf, pos, hi);
      const rest = frac - hi * 1e6;
      const mid = (rest / 1000) | 0;
      pos = put3(buf, pos, mid);
      pos = put3(buf, pos, rest - mid * 1000);
    } else {
      const hi = (frac / 1000) | 0;
      pos = put3(buf, pos, hi);
      pos = put3(buf, pos, frac - hi * 1000);
    }
    buf[pos++] = COLON;
    out.pos = pos;
  }
}

/** "000".."999" as bytes, three per value. */
const DIGITS3 = Uint8Array.from({ length: 3000 }, (_, i) => ZERO + (i % 3 === 0 ? Math.floor(i / 300) : i % 3 === 1 ? Math.floor(i / 30) % 10 : Math.floor(i / 3) % 10));

function put3(buf: Uint8Array, pos: number, v: number): number {
  const at = v * 3;
  buf[pos] = DIGITS3[at]!;
  buf[pos + 1] = DIGITS3[at + 1]!;
  buf[pos + 2] = DIGITS3[at + 2]!;
  return pos + 3;
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
