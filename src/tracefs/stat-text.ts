// The text of `trace-cmd stat`, built from a snapshot of tracefs files; no I/O here.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-stat.c (stat_instance() and its report_*()).

/** A file's text, or null when it is missing or cannot be read (EPERM): trace-cmd then shows nothing for it. */
export type FileText = string | null;

/** The per-buffer files stat_instance() reads, relative to the buffer's folder. */
export const STAT_FILES = [
  "current_tracer",
  "events/enable",
  "set_ftrace_filter",
  "set_ftrace_notrace",
  "set_graph_function",
  "set_graph_notrace",
  "buffer_size_kb",
  "buffer_total_size_kb",
  "trace_clock",
  "tracing_cpumask",
  "tracing_max_latency",
  "kprobe_events",
  "uprobe_events",
  "synthetic_events",
  "set_event_pid",
  "set_event_notrace_pid",
  "set_ftrace_pid",
  "set_ftrace_notrace_pid",
  "tracing_on",
  "error_log",
] as const;

export type StatFile = (typeof STAT_FILES)[number];

/** One entry of events/SYSTEM/: an event folder, or a file such as the system's own enable. */
export interface EventEntry {
  name: string;
  isDir: boolean;
  enable: FileText;
  filter: FileText;
  trigger: FileText;
}

/** One entry of events/: a system folder, or a file beside them (enable, header_page, ...). */
export interface EventSystem {
  name: string;
  isDir: boolean;
  enable: FileText;
  entries: EventEntry[];
}

export interface BufferState {
  /** undefined for the top-level buffer. */
  instance: string | undefined;
  files: Record<StatFile, FileText>;
  /** events/ in directory order. */
  events: EventSystem[];
  /** per_cpu/cpuN/buffer_size_kb from cpu0 up to the first one that cannot be read. */
  cpuBufferSizeKb: string[];
  /** options/ in directory order (read for -o only). */
  options: { name: string; text: FileText }[];
  /** The folders in instances/, in directory order (the top-level buffer only). */
  instances: string[];
}

export interface StatSnapshot {
  /** In the order trace-cmd prints them (see statBuffers()). */
  buffers: BufferState[];
  /** -o: list options/. */
  showOptions: boolean;
  /** sysconf(_SC_NPROCESSORS_CONF): the CPUs tracing_cpumask must all cover to count as unrestricted. */
  cpuCount: number;
  /** /proc/sys/kernel/stack_tracer_enabled; absent when the kernel has no stack tracer. */
  stackTracer: { exists: false } | { exists: true; text: FileText };
}

/**
 * Which buffers trace-cmd stat shows for `-B` names (in command-line order) and `-t`: the top buffer
 * alone, or the instances last-given first (add_instance() pushes onto a list), after the top with -t.
 */
export function statBuffers(names: readonly string[], withTop: boolean): (string | undefined)[] {
  const instances = [...names].reverse();
  return withTop || instances.length === 0 ? [undefined, ...instances] : instances;
}

export function statText(s: StatSnapshot): string {
  const buffers = s.buffers.map((b, i) => bufferText(b, s, i === 0)).join("");
  return buffers + stackTracerText(s.stackTracer);
}

function bufferText(b: BufferState, s: StatSnapshot, first: boolean): string {
  const f = b.files;
  const header = b.instance === undefined ? "" : `${first ? "" : "---------------\n"}Instance: ${b.instance}\n`;
  return [
    header,
    reportFile(f.current_tracer, "nop", "Tracer: "),
    eventsText(f["events/enable"], b.events),
    eventFileText(b.events, "Filters", (e) => e.filter, (cont) => cont !== "none"),
    eventFileText(b.events, "Triggers", (e) => e.trigger, (cont) => cont[0] !== "#"),
    functionList(f.set_ftrace_filter, "Function Filter"),
    functionList(f.set_ftrace_notrace, "Function No Trace"),
    functionList(f.set_graph_function, "Function Graph Filter"),
    functionList(f.set_graph_notrace, "Function Graph No Trace"),
    buffersText(f.buffer_size_kb, b.cpuBufferSizeKb, f.buffer_total_size_kb),
    clockText(f.trace_clock),
    cpumaskText(f.tracing_cpumask, s.cpuCount),
    reportFile(f.tracing_max_latency, "0", "Max Latency: "),
    probesText(f.kprobe_events, "Kprobe events"),
    probesText(f.uprobe_events, "Uprobe events"),
    probesText(f.synthetic_events, "Synthetic events"),
    reportFile(f.set_event_pid, "", "Filtered event PIDs:\n"),
    reportFile(f.set_event_notrace_pid, "", "Filtered notrace event PIDs:\n"),
    reportFile(f.set_ftrace_pid, "no pid", "Filtered function tracer PIDs:\n"),
    reportFile(f.set_ftrace_notrace_pid, "no pid", "Filtered function tracer notrace PIDs:\n"),
    s.showOptions ? optionsText(b.options) : "",
    tracingOnText(f.tracing_on),
    reportFile(f.error_log, "", "Error log:\n"),
    b.instance === undefined ? instancesText(b.instances) : "",
  ].join("");
}

// strstrip(): C isspace() in the C locale. trace-cmd sometimes prints the text with only its tail stripped.
const rstrip = (s: string): string => s.replace(/[ \t\n\v\f\r]+$/, "");
const strip = (s: string): string => rstrip(s).replace(/^[ \t\n\v\f\r]+/, "");

/** report_file(): the stripped text under a title, unless empty or the default. */
function reportFile(text: FileText, def: string, title: string): string {
  if (text === null) return "";
  const cont = strip(text);
  return cont && cont !== def ? `\n${title}${cont}\n` : "";
}

/** report_events(): events/enable says all on or off; "X" means a walk of the systems, then their events. */
function eventsText(all: FileText, systems: EventSystem[]): string {
  if (all === null) return "";
  const cont = strip(all);
  if (cont[0] === "1") return "\nEvents:\n All enabled\n";
  if (cont[0] === "0") return "\nEvents:\n All disabled\n";
  const whole = wholeSystems(systems);
  const partial = partlyEnabledEvents(systems);
  return `\nEvents:\n${whole}${partial}${whole || partial ? "" : "  (none enabled)\n"}`;
}

const isOn = (enable: FileText): boolean => enable?.[0] === "1";

function wholeSystems(systems: EventSystem[]): string {
  const on = systems.filter((s) => s.isDir && isOn(s.enable));
  return on.length ? ` Individual systems:\n${on.map((s) => `   ${s.name}\n`).join("")}` : "";
}

/** process_individual_events(): a system whose enable is neither 0 nor 1 (some of its events on). */
const isPartlyEnabled = (s: EventSystem): boolean => s.isDir && s.enable !== null && s.enable[0] !== "1" && s.enable[0] !== "0";

/**
 * The enabled events of partly enabled systems. trace-cmd's walk, quirk included: after each system it
 * lists the entries of the last partly enabled system seen, but looks each one up in the system the
 * walk has reached. The two differ after a fully on or off system; there a same-named enabled event
 * is printed again, under the partly enabled system's heading.
 */
function partlyEnabledEvents(systems: EventSystem[]): string {
  let out = "";
  let state: "none" | "system due" | "listing" = "none";
  let listed: EventSystem | undefined;
  for (const reached of systems) {
    if (isPartlyEnabled(reached)) {
      listed = reached;
      if (state !== "none") state = "system due";
    }
    for (const { name } of listed?.entries ?? []) {
      const event = reached.entries.find((e) => e.name === name);
      if (!event?.isDir || !isOn(event.enable)) continue;
      if (state === "none") out += " Individual events:\n";
      if (state !== "listing") out += `    ${reached.name}\n`;
      state = "listing";
      out += `        ${name}\n`;
    }
  }
  return out;
}

/** report_event_filters() / report_event_triggers(): every event whose file shows something set. */
function eventFileText(systems: EventSystem[], title: string, file: (e: EventEntry) => FileText, isSet: (cont: string) => boolean): string {
  const lines: string[] = [];
  for (const s of systems) {
    for (const e of s.entries) {
      const text = e.isDir ? file(e) : null;
      if (text === null) continue;
      const cont = strip(text);
      if (isSet(cont)) lines.push(`  ${s.name}:${e.name} "${cont}"\n`);
    }
  }
  return lines.length ? `\n${title}:\n${lines.join("")}` : "";
}

/** list_functions(): the lines not starting with '#', indented; the last keeps its missing newline. */
function functionList(text: FileText, title: string): string {
  if (text === null) return "";
  const lines = text.split("\n");
  const shown = lines.map((l, i) => (l === "" || l[0] === "#" ? "" : `   ${l}${i < lines.length - 1 ? "\n" : ""}`)).join("");
  return shown ? `\n${title}:\n${shown}` : "";
}

/** report_buffers(): one size for all CPUs, or "X" and each CPU's; nothing before the buffer is expanded. */
function buffersText(sizeKb: FileText, cpuSizesKb: string[], totalKb: FileText): string {
  if (sizeKb === null) return "";
  const size = rstrip(sizeKb);
  const cont = strip(size);
  if (cont.includes("expanded")) return "";
  const perCpu =
    cont !== "X"
      ? `\nBuffer size in kilobytes (per cpu):\n   ${size}\n`
      : cpuSizesKb.map((kb, cpu) => `${cpu === 0 ? "\n" : ""}CPU ${cpu} buffer size (kb): ${strip(kb)}\n`).join("");
  return totalKb === null ? perCpu : `${perCpu}\nBuffer total size in kilobytes:\n   ${rstrip(totalKb)}\n`;
}

/** report_clock() with tracefs_get_clock(): the bracketed name, unless it is the default "local". */
function clockText(text: FileText): string {
  const open = text?.indexOf("[") ?? -1;
  const close = open < 0 ? -1 : text!.indexOf("]", open + 1);
  if (close < 0) return "";
  const clock = text!.slice(open + 1, close);
  return clock !== "local" ? `\nClock: ${clock}\n` : "";
}

/** report_cpumask(): shown when one of the machine's CPUs is missing from the mask. */
function cpumaskText(text: FileText, cpuCount: number): string {
  if (text === null) return "";
  const mask = strip(text);
  return coversCpus(mask, cpuCount) ? "" : `\nCPU mask: ${mask}\n`;
}

/** trace-cmd's check, hex digit by hex digit from the low end: 'f' covers 4 CPUs; one other digit may end it. */
export function coversCpus(mask: string, cpuCount: number): boolean {
  let cpus = cpuCount;
  for (let i = mask.length - 1; i >= 0 && cpus > 0; i--) {
    const c = mask[i]!;
    if (c === ",") continue;
    if (c === "f") {
      cpus -= 4;
      continue;
    }
    if (cpus >= 4) break;
    let n = c >= "0" && c <= "9" ? c.charCodeAt(0) - 48 : 10 + c.charCodeAt(0) - 97;
    while (cpus > 0 && n & 1) {
      n >>= 1;
      cpus--;
    }
    break;
  }
  return cpus <= 0;
}

/** report_probes(): the stripped text, every line indented. */
function probesText(text: FileText, title: string): string {
  const cont = text === null ? "" : strip(text);
  return cont ? `\n${title}:\n   ${cont.replaceAll("\n", "\n   ")}\n` : "";
}

/** show_options(): each option whose file holds a number, as NAME or noNAME. */
function optionsText(options: BufferState["options"]): string {
  const lines = options.flatMap(({ name, text }) => {
    const value = strtoll(text);
    return value === undefined ? [] : [`   ${value === 0n ? "no" : ""}${name}\n`];
  });
  return `\nOptions:\n${lines.join("")}`;
}

/** strtoll(text, &end, 0) as tracefs_instance_file_read_number() uses it: undefined when no digits. */
function strtoll(text: FileText): bigint | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text ?? "");
  if (!m) return undefined;
  const digits = m[2]!;
  const value = digits.length > 1 && digits[0] === "0" && !/[xX]/.test(digits) ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits);
  return m[1] === "-" ? -value : value;
}

/** report_traceon(): the last thing printed for a buffer, hence the blank line. */
function tracingOnText(text: FileText): string {
  if (text === null) return "";
  return strip(text) === "0" ? "\nTracing is disabled\n\n" : "\nTracing is enabled\n\n";
}

function instancesText(names: string[]): string {
  return names.length ? `\nInstances:\n${names.map((n) => ` ${n}\n`).join("")}` : "";
}

/** tracecmd_stack_tracer_status(): a number from a file under 64 bytes, or an error line. */
function stackTracerText(s: StatSnapshot["stackTracer"]): string {
  if (!s.exists) return "";
  if (s.text === null || s.text.length === 0 || s.text.length >= 64) return "Error reading stack tracer status\n\n";
  const value = Number(/^[ \t\n\v\f\r]*[+-]?\d+/.exec(s.text)?.[0] ?? "0");
  return value > 0 ? "Stack tracing is enabled\n\n" : "";
}
