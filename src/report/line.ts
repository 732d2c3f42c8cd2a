// One report line around the event info, as trace-cmd 3.1.6 trace_show_data() prints it:
// "%16s-%-5d [%03d]" comm/pid/cpu, the time, " %s: " name padded to 20 columns, then the info.
// Source of truth: research note §6; trace-cmd tracecmd/trace-read.c print_event_name(), time_format();
// libtraceevent event-parse.c print_event_time(), tep_print_event() ("[UNKNOWN EVENT]").

const NAME_COLUMNS = 20;
const UNKNOWN_EVENT = "[UNKNOWN EVENT]";

export type TimeStyle = "usecs" | "nsecs" | "raw";

export function formatTime(tsNs: bigint, style: TimeStyle): string {
  if (style === "raw") return `${String(tsNs).padStart(12)}:`;
  if (style === "nsecs") return ` ${String(tsNs / 1_000_000_000n).padStart(5)}.${String(tsNs % 1_000_000_000n).padStart(9, "0")}:`;
  const us = (tsNs + 500n) / 1000n;
  return ` ${String(us / 1_000_000n).padStart(5)}.${String(us % 1_000_000n).padStart(6, "0")}:`;
}

const MAX_EXACT = 2 ** 52;
/** "000".."999": the fraction columns come from lookups, not a number-to-string per record. */
const DIGITS3: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));

/** formatTime with a cache of the seconds column, using doubles while the value is exact. */
export class TimeFormatter {
  #sec = -1;
  #secText = "";

  constructor(readonly style: TimeStyle) {}

  format(tsNs: number | bigint): string {
    const ns = Number(tsNs);
    if (this.style === "raw" || ns > MAX_EXACT) return formatTime(BigInt(tsNs), this.style);
    if (this.style === "nsecs") {
      const sec = Math.floor(ns / 1e9);
      const frac = ns - sec * 1e9;
      const ms = Math.floor(frac / 1e6);
      const rest = frac - ms * 1e6;
      const us = Math.floor(rest / 1000);
      return this.#seconds(sec) + DIGITS3[ms]! + DIGITS3[us]! + DIGITS3[rest - us * 1000]! + ":";
    }
    const us = Math.floor((ns + 500) / 1000);
    const sec = Math.floor(us / 1e6);
    const frac = us - sec * 1e6;
    const ms = Math.floor(frac / 1000);
    return this.#seconds(sec) + DIGITS3[ms]! + DIGITS3[frac - ms * 1000]! + ":";
  }

  /** " %5llu." for this second, cached for the run of records in the same second. */
  #seconds(sec: number): string {
    if (sec !== this.#sec) {
      this.#sec = sec;
      this.#secText = ` ${String(sec).padStart(5)}.`;
    }
    return this.#secText;
  }
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
