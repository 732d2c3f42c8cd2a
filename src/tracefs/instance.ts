// One ftrace buffer (the top level or instances/NAME) and every setting vtrace changes on it.
// Each change is journalled so that restore() puts the kernel back as it was.

import { existsSync, mkdirSync, readdirSync, rmdirSync } from "node:fs";
import { closeFd, O_TRUNC, O_WRONLY, openFd } from "../../ffi/fd.ts";
import { UsageError, VtraceError } from "../errors.ts";
import { type EventName, type FilterTarget, closestNames, parseAvailableEvents } from "./event-specs.ts";
import { selectedClock } from "../tracedat/model.ts";
import { readText, writeText } from "./files.ts";
import { RestoreJournal } from "./journal.ts";
import { type CpuStats, parseCpuStats } from "./stats.ts";

const INSTANCE_NAME = /^[A-Za-z0-9_.-]+$/;

export class TraceInstance {
  readonly journal = new RestoreJournal();

  private constructor(
    readonly root: string,
    readonly dir: string,
    /** undefined for the top-level buffer. */
    readonly name: string | undefined,
  ) {}

  /** Opens the top-level buffer (no name) or instances/NAME, creating it when missing. */
  static open(root: string, name?: string): TraceInstance {
    if (name === undefined) return new TraceInstance(root, root, undefined);
    if (!INSTANCE_NAME.test(name) || name === "." || name === "..") {
      throw new UsageError(`invalid instance name '${name}': use letters, digits, '_', '.', '-'`);
    }
    const dir = `${root}/instances/${name}`;
    const inst = new TraceInstance(root, dir, name);
    if (!existsSync(dir)) {
      try {
        mkdirSync(dir);
      } catch (e) {
        throw new VtraceError(`cannot create ftrace instance '${name}': ${(e as NodeJS.ErrnoException).code}`);
      }
      inst.journal.add(`remove instance ${name}`, () => rmdirSync(dir));
    }
    return inst;
  }

  /** An instance that must exist already (stop, extract, reset); the top-level buffer when unnamed. */
  static existing(root: string, name?: string): TraceInstance {
    if (name !== undefined && !existsSync(`${root}/instances/${name}`)) {
      throw new UsageError(`no ftrace instance '${name}' (${root}/instances/${name}): start one with vtrace start -B ${name}`);
    }
    return TraceInstance.open(root, name);
  }

  /** The events set_event lists (what `vtrace start` or anyone else enabled). */
  enabledEvents(): EventName[] {
    return parseAvailableEvents(readText(`${this.dir}/set_event`));
  }

  /**
   * Back to the kernel's defaults, as trace-cmd reset does: an instance is removed; the top-level
   * buffer gets no events, filters or pid lists, the local clock, every CPU, an empty buffer and
   * tracing on. Not journalled: this is the point.
   */
  resetToDefaults(): void {
    writeText(`${this.dir}/tracing_on`, "0");
    if (this.name !== undefined) {
      rmdirSync(this.dir);
      return;
    }
    writeText(`${this.dir}/set_event`, "");
    for (const sys of readdirSync(`${this.dir}/events`)) {
      if (existsSync(`${this.dir}/events/${sys}/filter`)) writeText(`${this.dir}/events/${sys}/filter`, "0");
    }
    for (const f of ["set_event_pid", "set_event_notrace_pid"]) if (existsSync(`${this.dir}/${f}`)) writeText(`${this.dir}/${f}`, "");
    writeText(`${this.dir}/options/event-fork`, "0");
    writeText(`${this.dir}/trace_clock`, "local");
    writeText(`${this.dir}/tracing_cpumask`, ((1n << BigInt(this.cpuCount())) - 1n).toString(16));
    this.clearBuffer();
    writeText(`${this.dir}/tracing_on`, "1");
  }

  cpuCount(): number {
    return readdirSync(`${this.dir}/per_cpu`).filter((d) => /^cpu\d+$/.test(d)).length;
  }

  rawPipePath(cpu: number): string {
    return `${this.dir}/per_cpu/cpu${cpu}/trace_pipe_raw`;
  }

  /** available_events plus the ftrace system's internal events (print, bprint, ...), which are always on. */
  availableEvents(): EventName[] {
    const ftrace = readdirSync(`${this.root}/events/ftrace`).filter((e) => existsSync(`${this.root}/events/ftrace/${e}/format`));
    return [...parseAvailableEvents(readText(`${this.root}/available_events`)), ...ftrace.map((event) => ({ system: "ftrace", event }))];
  }

  /** Enables events through set_event; restore rewrites the previous list. */
  enableEvents(events: readonly EventName[]): void {
    const file = `${this.dir}/set_event`;
    const before = readText(file);
    this.journal.add("restore set_event", () => {
      writeText(file, "");
      for (const line of before.split("\n")) if (line.trim()) writeText(file, `${line.trim()}\n`, true);
    });
    for (const e of events) if (e.system !== "ftrace") writeText(file, `${e.system}:${e.event}\n`, true);
  }

  /**
   * Writes an ftrace filter (record -f) to an event's or a system's filter file. Every filter it can
   * change is journalled first, so restore() puts back what was there (a system write touches each
   * of its events). A filter the kernel refuses becomes a UsageError with the kernel's parse error.
   */
  setEventFilter(target: FilterTarget, filter: string, systemEvents: readonly string[]): void {
    const dir = `${this.dir}/events/${target.system}`;
    const events = target.event === undefined ? systemEvents : [target.event];
    for (const e of events) {
      const file = `${dir}/${e}/filter`;
      if (!existsSync(file)) continue;
      const before = readText(file).split("\n")[0]!.trim();
      this.journal.add(`restore ${target.system}:${e} filter`, () => writeText(file, before === "none" ? "0" : before));
    }
    const file = target.event === undefined ? `${dir}/filter` : `${dir}/${target.event}/filter`;
    if (target.event === undefined) this.journal.add(`clear ${target.system} filter`, () => writeText(file, "0"));
    try {
      writeText(file, filter);
    } catch {
      const why = /parse_error: (.*)/.exec(readText(file))?.[1] ?? "refused by the kernel";
      const name = target.event === undefined ? target.system : `${target.system}:${target.event}`;
      throw new UsageError(`invalid filter '${filter}' for ${name}: ${why}`, { filter, event: name });
    }
  }

  /** The selected clock: the bracketed name in trace_clock. */
  clock(): string {
    return selectedClock(this.clockFileText());
  }

  /** trace_clock as the kernel prints it ("[local] global ...\n"). */
  clockFileText(): string {
    return readText(`${this.dir}/trace_clock`);
  }

  setClock(clock: string): void {
    const names = this.clockFileText().replace(/[[\]]/g, "").trim().split(/\s+/);
    if (!names.includes(clock)) {
      const close = closestNames(clock, names, 2);
      throw new UsageError(
        `unknown trace clock '${clock}': available are ${names.join(", ")}${close.length ? ` (did you mean '${close[0]}'?)` : ""}`,
      );
    }
    const before = this.clock();
    if (before === clock) return;
    this.journal.add("restore trace_clock", () => writeText(`${this.dir}/trace_clock`, before));
    writeText(`${this.dir}/trace_clock`, clock);
  }

  setBufferSizeKb(kb: number): void {
    const file = `${this.dir}/buffer_size_kb`;
    const before = readText(file).trim().replace(/\s.*$/, "");
    this.journal.add("restore buffer_size_kb", () => writeText(file, before));
    writeText(file, String(kb));
  }

  setTracingOn(on: boolean): void {
    const file = `${this.dir}/tracing_on`;
    const before = readText(file).trim();
    if (!this.#tracingOnJournalled) {
      this.#tracingOnJournalled = true;
      this.journal.add("restore tracing_on", () => writeText(file, before));
    }
    writeText(file, on ? "1" : "0");
  }

  #tracingOnJournalled = false;

  /** Empties the ring buffer so the recording starts clean. */
  clearBuffer(): void {
    closeFd(openFd(`${this.dir}/trace`, O_WRONLY | O_TRUNC));
  }

  /**
   * Traces only these pids (set_event_pid), and with `fork` their children as they are born
   * (options/event-fork); both put back on restore.
   */
  setEventPids(pids: readonly number[], fork: boolean): void {
    this.#setValue("options/event-fork", fork ? "1" : "0");
    writeText(this.#journalPidList("set_event_pid"), pids.join(" "));
  }

  /** Records only on the CPUs of a hex mask (tracing_cpumask, as trace-cmd record -M); restored after. */
  setCpumask(mask: string): void {
    try {
      this.#setValue("tracing_cpumask", mask);
    } catch (e) {
      throw new UsageError(`invalid -M '${mask}': ${(e as Error).message.replace(/^.*: /, "")}`, { mask });
    }
  }

  /** Keeps these threads' own syscalls and wakeups out of the trace (no feedback loop). */
  setNotracePids(pids: readonly number[]): void {
    if (!existsSync(`${this.dir}/set_event_notrace_pid`)) return;
    writeText(this.#journalPidList("set_event_notrace_pid"), pids.join(" "), true);
  }

  /** Journals a pid list file (its pids now, put back by truncating and appending them); returns its path. */
  #journalPidList(name: string): string {
    const file = `${this.dir}/${name}`;
    const before = readText(file).split(/\s+/).filter((p) => /^\d+$/.test(p));
    this.journal.add(`restore ${name}`, () => {
      writeText(file, "");
      if (before.length) writeText(file, before.join(" "), true);
    });
    return file;
  }

  /** Writes a one-value control file, journalling the value it had. */
  #setValue(name: string, value: string): void {
    const file = `${this.dir}/${name}`;
    const before = readText(file).trim();
    this.journal.add(`restore ${name}`, () => writeText(file, before));
    writeText(file, value);
  }

  cpuStats(cpu: number): CpuStats {
    return parseCpuStats(readText(`${this.dir}/per_cpu/cpu${cpu}/stats`));
  }

  restore(): string[] {
    this.journal.restore();
    return this.journal.failures;
  }
}
