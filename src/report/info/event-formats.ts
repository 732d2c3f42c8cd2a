// `report --events` / `--event REGEX`: the stored event format files, as trace-cmd prints them.
// Source of truth: trace-cmd 3.1.6 lib/trace-cmd/trace-input.c tracecmd_print_events(),
// read_event_files(), make_preg_files(), regex_event_buf().
// Only v6 files print anything: 3.1.6 reads ftrace formats without the regex, and for v7 files
// handle_section() passes no regex to read_event_files() either, so v7 prints nothing at all.

import { encodeText, type ByteSink } from "../../lib/byte-sink.ts";
import type { TraceDat } from "../../tracedat/reader/trace-dat.ts";
import { compileBasicRegex, RegexError } from "../filter/regex.ts";
import { writeBytes } from "../../lib/byte-sink.ts";
import { untilNul } from "../../lib/cursor.ts";

const NAME_PREFIX = "name: ";

/** The "system:event" regex split as make_preg_files() does; unique when it names an event. */
interface EventRegex {
  system: RegExp;
  event: RegExp;
  unique: boolean;
}

/** Prints the formats of the events matching `regex` (undefined: all, as --events); returns warnings. */
export function writeEventFormats(dat: TraceDat, regex: string | undefined, out: ByteSink): string[] {
  if (dat.params.version !== 6) return [];
  let re: EventRegex | undefined;
  try {
    re = splitRegex(regex ?? ".*");
  } catch (e) {
    if (e instanceof RegexError) return [`Bad regular expression '${regex}': ${e.message}`];
    throw e;
  }
  if (!re) return [];
  for (const sys of dat.metadata.eventSystems) writeSystem(sys.name, sys.formats, re, out);
  return [];
}

/**
 * strtok(":") semantics: leading and repeated colons are skipped; with one part the same regex
 * matches the system or the event name. undefined when there is no part (3.1.6 would crash).
 */
function splitRegex(regex: string): EventRegex | undefined {
  const parts = regex.split(":").filter((p) => p !== "");
  if (parts.length === 0) return undefined;
  const system = compileBasicRegex(parts[0]!);
  const event = parts.length > 1 ? compileBasicRegex(parts[1]!) : system;
  return { system, event, unique: parts.length > 1 };
}

function writeSystem(system: string, formats: Uint8Array[], re: EventRegex, out: ByteSink): void {
  const systemMatches = re.system.test(system);
  const printAll = systemMatches && !re.unique;
  // A "system:event" regex whose system part misses this system prints none of its events.
  const eventRegex = !systemMatches && re.unique ? undefined : re.event;
  let headerDone = false;
  for (const format of formats) {
    if (!printAll && !(eventRegex && eventLineMatches(format, eventRegex))) continue;
    if (!headerDone) out.write(`\nsystem: ${system}\n`);
    headerDone = true;
    writeBytes(out, untilNul(format));
    writeBytes(out, NEWLINE);
  }
}

const NEWLINE = encodeText("\n");

/** The first non-empty line, without a leading "name: ", tested against the regex. */
function eventLineMatches(format: Uint8Array, regex: RegExp): boolean {
  const text = new TextDecoder().decode(untilNul(format));
  const line = text.split("\n").find((l) => l !== "");
  if (line === undefined) return false;
  return regex.test(line.startsWith(NAME_PREFIX) ? line.slice(NAME_PREFIX.length) : line);
}
