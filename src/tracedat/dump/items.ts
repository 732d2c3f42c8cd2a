// What `trace-cmd dump` prints: one bit per item (enum dump_items), set by its command-line options.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-dump.c (enum dump_items, trace_dump()).

export const SUMMARY = 1 << 0;
export const HEAD_PAGE = 1 << 1;
export const HEAD_EVENT = 1 << 2;
export const FTRACE_FORMAT = 1 << 3;
export const EVENT_SYSTEMS = 1 << 4;
export const EVENT_FORMAT = 1 << 5;
export const KALLSYMS = 1 << 6;
export const TRACE_PRINTK = 1 << 7;
export const CMDLINES = 1 << 8;
export const OPTIONS = 1 << 9;
export const FLYRECORD = 1 << 10;
export const CLOCK = 1 << 11;
export const SECTIONS = 1 << 12;
export const STRINGS = 1 << 13;
/** --all: every bit (0xFFFFFFFF). */
export const ALL = 0xffffffff;

/** Each long option of `trace-cmd dump` and the items it adds. */
export const DUMP_ITEM_OPTIONS = {
  summary: SUMMARY,
  "head-page": HEAD_PAGE,
  "head-event": HEAD_EVENT,
  "ftrace-events": FTRACE_FORMAT,
  systems: EVENT_SYSTEMS,
  events: EVENT_FORMAT,
  kallsyms: KALLSYMS,
  printk: TRACE_PRINTK,
  "cmd-lines": CMDLINES,
  options: OPTIONS,
  flyrecord: FLYRECORD,
  clock: CLOCK,
  strings: STRINGS,
  sections: SECTIONS,
  all: ALL,
} as const;

export type DumpItemOption = keyof typeof DUMP_ITEM_OPTIONS;

/** The items for these options; with none (and no -v) the summary, as trace-cmd defaults. */
export function dumpItemsFor(options: readonly DumpItemOption[], validate: boolean): number {
  const items = options.reduce((bits, o) => (bits | DUMP_ITEM_OPTIONS[o]) >>> 0, 0);
  return items === 0 && !validate ? SUMMARY : items;
}
