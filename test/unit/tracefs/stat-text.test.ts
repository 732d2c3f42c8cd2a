// statText() on hand-built snapshots; each expected text was checked against trace-cmd 3.1.6's
// tracecmd/trace-stat.c (and, for the states a test kernel can reach, against trace-cmd stat itself).

import { describe, expect, test } from "bun:test";
import {
  type BufferState,
  coversCpus,
  type EventEntry,
  type EventSystem,
  type FileText,
  STAT_FILES,
  type StatFile,
  type StatSnapshot,
  statBuffers,
  statText,
} from "../../../src/tracefs/stat-text.ts";

/** A buffer in the kernel's default state (what a fresh instance reads), with some files changed. */
function buffer(instance: string | undefined, changed: Partial<Record<StatFile, FileText>> = {}, more: Partial<BufferState> = {}): BufferState {
  const files = Object.fromEntries(STAT_FILES.map((f) => [f, null])) as Record<StatFile, FileText>;
  Object.assign(files, {
    current_tracer: "nop\n",
    "events/enable": "0\n",
    buffer_size_kb: "1410\n",
    buffer_total_size_kb: "2820\n",
    trace_clock: "[local] global counter uptime perf mono mono_raw boot tai x86-tsc\n",
    tracing_cpumask: "3\n",
    set_event_pid: "",
    set_event_notrace_pid: "",
    tracing_on: "1\n",
    error_log: "",
    ...changed,
  });
  return { instance, files, events: [], cpuBufferSizeKb: ["1410\n", "1410\n"], options: [], instances: [], ...more };
}

function snapshot(buffers: BufferState[], more: Partial<StatSnapshot> = {}): StatSnapshot {
  return { buffers, showOptions: false, cpuCount: 2, stackTracer: { exists: false }, ...more };
}

const event = (name: string, enable: string, filter = "none\n", trigger = "# Available triggers:\n# traceon traceoff\n"): EventEntry => ({
  name,
  isDir: true,
  enable: `${enable}\n`,
  filter,
  trigger,
});
const file = (name: string): EventEntry => ({ name, isDir: false, enable: null, filter: null, trigger: null });

/** A system folder whose enable file follows its events, as the kernel's does. */
function system(name: string, events: EventEntry[]): EventSystem {
  const on = new Set(events.map((e) => e.enable![0]));
  const enable = on.size === 1 ? `${[...on][0]}\n` : "X\n";
  return { name, isDir: true, enable, entries: [file("filter"), file("enable"), ...events] };
}
const topFile = (name: string): EventSystem => ({ name, isDir: false, enable: null, entries: [] });

const DEFAULT_TAIL = "\nBuffer size in kilobytes (per cpu):\n   1410\n\nBuffer total size in kilobytes:\n   2820\n\nTracing is enabled\n\n";

describe("statBuffers()", () => {
  test.each([
    [[], false, [undefined]],
    [[], true, [undefined]],
    [["a"], false, ["a"]],
    [["a", "b"], false, ["b", "a"]],
    [["a", "b"], true, [undefined, "b", "a"]],
  ])("statBuffers(%j, %p) lists the last -B first", (names, withTop, want) => {
    expect(statBuffers(names, withTop)).toEqual(want);
  });
});

describe("statText()", () => {
  test("statText() of the top buffer in its default state names the instances", () => {
    const top = buffer(undefined, {}, { instances: ["one", "two"] });
    expect(statText(snapshot([top]))).toBe(`\nEvents:\n All disabled\n${DEFAULT_TAIL}\nInstances:\n one\n two\n`);
  });

  test("statText() heads instances and separates all but the first", () => {
    const text = statText(snapshot([buffer("b"), buffer("a")]));
    expect(text).toBe(`Instance: b\n\nEvents:\n All disabled\n${DEFAULT_TAIL}---------------\nInstance: a\n\nEvents:\n All disabled\n${DEFAULT_TAIL}`);
  });

  test("statText() separates every instance after the top buffer (-t)", () => {
    const text = statText(snapshot([buffer(undefined, { "events/enable": "1\n" }), buffer("a", { "events/enable": "1\n" })]));
    expect(text).toBe(`\nEvents:\n All enabled\n${DEFAULT_TAIL}---------------\nInstance: a\n\nEvents:\n All enabled\n${DEFAULT_TAIL}`);
  });

  test("statText() lists whole systems, then the enabled events of partly enabled ones", () => {
    const events = [
      topFile("enable"),
      topFile("header_page"),
      system("timer", [event("timer_init", "0"), event("hrtimer_start", "1")]),
      system("irq", [event("irq_handler_entry", "1"), event("softirq_entry", "1")]),
      system("sched", [event("sched_wakeup", "0"), event("sched_switch", "1")]),
    ];
    const text = statText(snapshot([buffer("i", { "events/enable": "X\n" }, { events })]));
    expect(text).toStartWith(
      "Instance: i\n\nEvents:\n Individual systems:\n   irq\n Individual events:\n    timer\n        hrtimer_start\n    sched\n        sched_switch\n\nBuffer size",
    );
  });

  test("statText() repeats a same-named event of a fully enabled system after a partly enabled one, as trace-cmd does", () => {
    // trace-cmd walks the partly enabled system's folder again after "b", looking its names up in "b".
    const events = [system("a", [event("x", "1"), event("y", "0")]), system("b", [event("y", "1")])];
    const text = statText(snapshot([buffer("i", { "events/enable": "X\n" }, { events })]));
    expect(text).toStartWith("Instance: i\n\nEvents:\n Individual systems:\n   b\n Individual events:\n    a\n        x\n        y\n\nBuffer size");
  });

  test("statText() says (none enabled) when events/enable is X but no event is on", () => {
    const events = [system("a", [event("x", "0")])];
    expect(statText(snapshot([buffer(undefined, { "events/enable": "X\n" }, { events })]))).toStartWith("\nEvents:\n  (none enabled)\n\nBuffer size");
  });

  test("statText() shows set filters and triggers, the kernel's parse error included", () => {
    const events = [
      system("sched", [
        event("sched_wakeup", "0", "bad == 1\n          ^\nparse_error: Field not found\n", "traceoff:unlimited\n"),
        event("sched_switch", "0", "prev_pid != 0\n"),
      ]),
    ];
    const text = statText(snapshot([buffer("i", {}, { events })]));
    expect(text).toBe(
      'Instance: i\n\nEvents:\n All disabled\n\nFilters:\n  sched:sched_wakeup "bad == 1\n          ^\nparse_error: Field not found"\n  sched:sched_switch "prev_pid != 0"\n' +
        `\nTriggers:\n  sched:sched_wakeup "traceoff:unlimited"\n${DEFAULT_TAIL}`,
    );
  });

  test("statText() prints nothing for files it could not read (EPERM), not even their titles", () => {
    const text = statText(snapshot([buffer(undefined, { current_tracer: null, "events/enable": null, tracing_on: null, set_ftrace_pid: null, buffer_size_kb: null })]));
    expect(text).toBe("");
  });

  test("statText() shows a tracer, pid lists, max latency and the error log when not at their defaults", () => {
    const text = statText(
      snapshot([
        buffer("i", {
          current_tracer: "function\n",
          tracing_max_latency: "12\n",
          set_event_pid: "17\n42\n",
          set_event_notrace_pid: "9\n",
          set_ftrace_pid: "no pid\n",
          set_ftrace_notrace_pid: "5\n",
          tracing_on: "0\n",
          error_log: "[ 1.5] event filter parse error: error: Field not found\n  Command: x\n",
        }),
      ]),
    );
    expect(text).toBe(
      "Instance: i\n\nTracer: function\n\nEvents:\n All disabled\n\nBuffer size in kilobytes (per cpu):\n   1410\n\nBuffer total size in kilobytes:\n   2820\n" +
        "\nMax Latency: 12\n\nFiltered event PIDs:\n17\n42\n\nFiltered notrace event PIDs:\n9\n\nFiltered function tracer notrace PIDs:\n5\n" +
        "\nTracing is disabled\n\n\nError log:\n[ 1.5] event filter parse error: error: Field not found\n  Command: x\n",
    );
  });

  test("statText() lists function filters without their '#' lines, keeping a last line's missing newline", () => {
    const text = statText(
      snapshot([buffer("i", { set_ftrace_filter: "#### all functions enabled ####\n", set_ftrace_notrace: "a\n\nb", set_graph_function: "#c\nd\n" })]),
    );
    expect(text).toContain("\nFunction No Trace:\n   a\n   b\nFunction Graph Filter:\n   d\n\nBuffer size");
    expect(text).not.toContain("Function Filter");
  });

  test("statText() shows each CPU's buffer size when they differ, and nothing before the buffer is expanded", () => {
    const perCpu = buffer("i", { buffer_size_kb: "X\n", buffer_total_size_kb: "2154\n" }, { cpuBufferSizeKb: ["2051\n", "103\n"] });
    expect(statText(snapshot([perCpu]))).toContain("All disabled\n\nCPU 0 buffer size (kb): 2051\nCPU 1 buffer size (kb): 103\n\nBuffer total size in kilobytes:\n   2154\n");
    const unexpanded = buffer(undefined, { buffer_size_kb: "7 (expanded: 1410)\n" });
    expect(statText(snapshot([unexpanded]))).toBe("\nEvents:\n All disabled\n\nTracing is enabled\n\n");
  });

  test("statText() shows a clock other than local, a cpumask missing a CPU, and probes line by line", () => {
    const text = statText(
      snapshot([buffer("i", { trace_clock: "local [global] counter\n", tracing_cpumask: "1\n", uprobe_events: "p:a /bin/x:0x1\np:b /bin/x:0x2\n" })]),
    );
    expect(text).toContain("   2820\n\nClock: global\n\nCPU mask: 1\n\nUprobe events:\n   p:a /bin/x:0x1\n   p:b /bin/x:0x2\n\nTracing is enabled");
  });

  test("statText() -o lists options as NAME or noNAME, skipping unreadable ones", () => {
    const options = [
      { name: "overwrite", text: "0\n" },
      { name: "event-fork", text: "1\n" },
      { name: "locked", text: null },
    ];
    const text = statText(snapshot([buffer("i", {}, { options })], { showOptions: true }));
    expect(text).toContain("   2820\n\nOptions:\n   nooverwrite\n   event-fork\n\nTracing is enabled\n\n");
  });

  test.each([
    [{ exists: false } as const, ""],
    [{ exists: true, text: "0\n" } as const, ""],
    [{ exists: true, text: "1\n" } as const, "Stack tracing is enabled\n\n"],
    [{ exists: true, text: null } as const, "Error reading stack tracer status\n\n"],
  ])("statText() ends with the stack tracer status %j", (stackTracer, tail) => {
    expect(statText(snapshot([buffer(undefined)], { stackTracer }))).toBe(`\nEvents:\n All disabled\n${DEFAULT_TAIL}${tail}`);
  });
});

describe("coversCpus()", () => {
  test.each([
    ["3", 2, true],
    ["1", 2, false],
    ["2", 2, false],
    ["f", 2, true],
    ["ff", 8, true],
    ["7f", 8, false],
    ["fe", 8, false],
    ["00000000,0000000f", 4, true],
    ["00000001,ffffffff", 33, true],
    ["00000000,ffffffff", 33, false],
  ])("coversCpus(%p, %i) is %p", (mask, cpus, want) => {
    expect(coversCpus(mask, cpus)).toBe(want);
  });
});
