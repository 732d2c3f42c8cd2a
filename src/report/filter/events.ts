// The "events:" part of a filter: which events of a file it applies to.
// Source of truth: libtraceevent 1.7.1 src/parse-filter.c tep_filter_add_filter_str() (the split at
// the first ':' and the ','s before it, strtok_r on '/', strim), find_event() and event_match().

import { UsageError } from "../../errors.ts";
import { compileBasicRegex, RegexError } from "./regex.ts";

export interface EventName {
  id: number;
  system: string;
  name: string;
}

/** One "SYSTEM/EVENT" or "NAME" of the list; both are regular expressions anchored at both ends. */
export interface EventPattern {
  system?: string;
  event: string;
}

export interface SplitFilter {
  patterns: EventPattern[];
  /** The text after the first ':', or undefined when there is none (every listed event passes). */
  expr?: string;
  /** Index of expr in the filter string. */
  exprAt: number;
}

const trimC = (s: string) => s.replace(/^[\t-\r ]+|[\t-\r ]+$/g, "");

/** Splits "sys/ev,name:expr". A ',' after the ':' is refused: trace-cmd 3.1.6 fails on it too (ENOMEM or a crash). */
export function splitFilter(filter: string): SplitFilter {
  const colon = filter.indexOf(":");
  const listEnd = colon < 0 ? filter.length : colon;
  const comma = filter.indexOf(",", listEnd);
  if (colon >= 0 && comma >= 0) throw new UsageError(`a ',' after the ':' (at column ${comma + 1}) is not supported: trace-cmd 3.1.6 fails on it too`);
  const patterns = filter
    .slice(0, listEnd)
    .split(",")
    .map((entry) => {
      const [system, event] = entry.split("/").filter((part) => part !== "");
      if (system === undefined) throw new UsageError(listEnd === 0 ? "no event name before the ':'" : `an empty event name in '${filter.slice(0, listEnd)}'`);
      return event === undefined ? { event: trimC(system) } : { system: trimC(system), event: trimC(event) };
    });
  return colon < 0 ? { patterns, exprAt: filter.length } : { patterns, expr: filter.slice(colon + 1), exprAt: colon + 1 };
}

/** find_event(): the events a pattern names. With no system, the name may match the system or the event. */
export function matchEvents(pattern: EventPattern, events: readonly EventName[]): EventName[] {
  const eventRe = anchored(pattern.event);
  const systemRe = pattern.system === undefined ? undefined : anchored(pattern.system);
  const found = events.filter((e) =>
    systemRe ? systemRe.test(e.system) && eventRe.test(e.name) : eventRe.test(e.system) || eventRe.test(e.name),
  );
  if (found.length === 0) {
    throw new UsageError(`no event matches '${pattern.system === undefined ? "" : `${pattern.system}/`}${pattern.event}'`);
  }
  return found;
}

function anchored(text: string): RegExp {
  try {
    return compileBasicRegex(`^${text}$`);
  } catch (e) {
    if (e instanceof RegexError) throw new UsageError(`invalid event name regex '${text}': ${e.message}`);
    throw e;
  }
}

const NAME_LINE = /^name: (\S+)/m;
const ID_LINE = /^ID: (\d+)/m;

/** Names and ids of a file's event formats, read from the head of each text (the formats are compiled later, only for matched events). */
export function eventNames(formats: Iterable<{ system: string; text: Uint8Array }>): EventName[] {
  const seen = new Set<number>();
  const out: EventName[] = [];
  const decoder = new TextDecoder();
  for (const { system, text } of formats) {
    const head = decoder.decode(text.subarray(0, 512));
    const name = NAME_LINE.exec(head)?.[1];
    const id = ID_LINE.exec(head)?.[1];
    if (name === undefined || id === undefined || seen.has(Number(id))) continue;
    seen.add(Number(id));
    out.push({ id: Number(id), system, name });
  }
  return out;
}
