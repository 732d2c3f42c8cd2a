// report -r EVENT / -n EVENT: events printed raw (as with -R) or without their plugin handler.
// Each pattern is a POSIX basic regex matched whole ("^PATTERN$"), case-insensitive, against the
// event's name or its system.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-read.c set_event_flags() (TEP_EVENT_FL_PRINTRAW,
// TEP_EVENT_FL_NOHANDLE); libtraceevent print_event_info().

import { UsageError } from "../errors.ts";
import { compileBasicRegex, RegexError } from "./filter/regex.ts";

export type EventMatcher = (event: { system: string; name: string }) => boolean;

/** A matcher for any of the patterns; undefined when there are none. */
export function eventMatcher(patterns: readonly string[], option: string): EventMatcher | undefined {
  if (patterns.length === 0) return undefined;
  const regexes = patterns.map((p) => {
    try {
      return compileBasicRegex(`^${p}$`);
    } catch (e) {
      if (e instanceof RegexError) throw new UsageError(`${option} '${p}': not a regular expression: ${e.message}`);
      throw e;
    }
  });
  return (event) => regexes.some((r) => r.test(event.name) || r.test(event.system));
}
