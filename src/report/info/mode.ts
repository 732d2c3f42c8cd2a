// Which "information only" mode a `report` command line asks for, first-mode-wins as trace-cmd decides.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-read.c trace_report() (the order of its
// `if (show_...) return;` checks, then the otype overrides before read_data_info()).

/** The report flags that select an information mode (cac's camelCase keys). */
export interface InfoFlags {
  /** -e */
  e?: boolean;
  /** --events */
  events?: boolean;
  /** --event REGEX */
  event?: string;
  /** --check-events */
  checkEvents?: boolean;
  /** -f */
  f?: boolean;
  /** -P */
  P?: boolean;
  /** -E */
  E?: boolean;
  /** --cpus */
  cpus?: boolean;
  /** --first-event (implies --cpus) */
  firstEvent?: boolean;
  /** --last-event (implies --cpus) */
  lastEvent?: boolean;
  /** --stat */
  stat?: boolean;
  /** --uname */
  uname?: boolean;
  /** --version (of the file, not of vtrace) */
  version?: boolean;
}

export type InfoModeName = "endian" | "events" | "event" | "check-events" | "funcs" | "printk" | "event-list" | "cpus" | "stat" | "uname" | "version";

/** In trace-cmd's order: the first one set wins; --version overrides --uname, which overrides --stat. */
const ORDER: [InfoModeName, (f: InfoFlags) => boolean][] = [
  ["endian", (f) => f.e === true],
  ["events", (f) => f.events === true],
  ["event", (f) => typeof f.event === "string"],
  ["check-events", (f) => f.checkEvents === true],
  ["funcs", (f) => f.f === true],
  ["printk", (f) => f.P === true],
  ["event-list", (f) => f.E === true],
  ["cpus", (f) => f.cpus === true || f.firstEvent === true || f.lastEvent === true],
  ["version", (f) => f.version === true],
  ["uname", (f) => f.uname === true],
  ["stat", (f) => f.stat === true],
];

/** The information mode these flags select, or undefined for a normal report. */
export function infoMode(flags: InfoFlags): InfoModeName | undefined {
  return ORDER.find(([, set]) => set(flags))?.[0];
}
