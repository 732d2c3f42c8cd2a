// `report -E` (every event as system:name, sorted) and `report --check-events` (exit status only).
// Source of truth: libtraceevent 1.7.1 src/event-parse.c parse_format() / __parse_event() (an event
// is kept, and counts as parsed, once its name and ID are read: a bad field or print fmt only marks it
// failed), event_read_name(), event_read_id(), events_system_cmp(); trace-cmd 3.1.6 trace-input.c
// read_ftrace_file() / read_event_file() (a format tep_parse_event() refuses is a parsing failure).

import type { ByteSink } from "../../lib/byte-sink.ts";
import type { TraceDat } from "../../tracedat/reader/trace-dat.ts";

const EINVAL = 22;

export interface ListedEvent {
  system: string;
  name: string;
  id: number;
}

/** The events libtraceevent keeps from the file's formats (ftrace first, as read), and how many it refused. */
export function readEventHeaders(dat: TraceDat): { events: ListedEvent[]; failures: number } {
  const events: ListedEvent[] = [];
  let failures = 0;
  const add = (system: string, format: Uint8Array) => {
    const head = readNameAndId(format);
    if (head) events.push({ system, ...head });
    else failures++;
  };
  for (const f of dat.metadata.ftraceFormats) add("ftrace", f);
  for (const sys of dat.metadata.eventSystems) for (const f of sys.formats) add(sys.name, f);
  return { events, failures };
}

export function writeEventList(dat: TraceDat, out: ByteSink): void {
  const sorted = readEventHeaders(dat).events.sort(bySystemNameId);
  for (const e of sorted) out.write(`${e.system}:${e.name}\n`);
}

/** --check-events: 0 when libtraceevent accepted every format, EINVAL otherwise. */
export function checkEventsExitCode(dat: TraceDat): number {
  return readEventHeaders(dat).failures > 0 ? EINVAL : 0;
}

/** events_system_cmp(): strcmp on system, then name, then the id. */
export function bySystemNameId(a: ListedEvent, b: ListedEvent): number {
  return cmp(a.system, b.system) || cmp(a.name, b.name) || a.id - b.id;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * event_read_name() then event_read_id() on the format text: "name" ":" ITEM with only blanks
 * between (a newline first fails), then "ID" (newlines may come first) ":" ITEM, the id being
 * strtoul(item, 0) as a C int, refused when negative. undefined where libtraceevent gives up.
 */
export function readNameAndId(format: Uint8Array): { name: string; id: number } | undefined {
  const t = new HeaderTokens(new TextDecoder("latin1").decode(format));
  if (t.item(false) !== "name" || !t.colon()) return undefined;
  const name = t.item(false);
  if (name === undefined || t.item(true) !== "ID" || !t.colon()) return undefined;
  const idText = t.item(false);
  const id = idText === undefined ? -1 : cInt(strtoul(idText));
  return id < 0 ? undefined : { name, id };
}

/** The few token rules of libtraceevent's __read_token() that name and ID lines need. */
class HeaderTokens {
  #pos = 0;
  constructor(readonly text: string) {}

  /** The next token when it is an ITEM (a run of [A-Za-z0-9_]), after blanks (and newlines when allowed). */
  item(skipNewlines: boolean): string | undefined {
    this.#skip(skipNewlines);
    const start = this.#pos;
    while (this.#pos < this.text.length && isItemChar(this.text.charCodeAt(this.#pos))) this.#pos++;
    return this.#pos > start ? this.text.slice(start, this.#pos) : undefined;
  }

  /** The next token is the operator ":" (always a one-char token). */
  colon(): boolean {
    this.#skip(false);
    if (this.text[this.#pos] !== ":") return false;
    this.#pos++;
    return true;
  }

  #skip(newlines: boolean): void {
    for (;;) {
      const c = this.text.charCodeAt(this.#pos);
      if (!(isBlank(c) || (newlines && c === 10))) return;
      this.#pos++;
    }
  }
}

/** C isspace() without '\n' (its own token type). */
function isBlank(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13 && c !== 10);
}

function isItemChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

const ULONG_MAX = (1n << 64n) - 1n;

/** strtoul(text, NULL, 0) on an ITEM token: 0x hex, 0 octal, else decimal; ULONG_MAX on overflow. */
function strtoul(text: string): bigint {
  const hex = /^0[xX][0-9a-fA-F]/.test(text);
  const digits = hex ? /^[0-9a-fA-F]+/.exec(text.slice(2))![0] : text.startsWith("0") ? /^[0-7]*/.exec(text)![0] : /^[0-9]*/.exec(text)![0];
  if (digits === "") return 0n;
  const value = BigInt(hex ? `0x${digits}` : text.startsWith("0") ? `0o${digits}` : digits);
  return value > ULONG_MAX ? ULONG_MAX : value;
}

/** The unsigned long stored in an int: its low 32 bits, signed. */
function cInt(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}
