// End to end: `vtrace stat` prints what `trace-cmd stat` 3.1.6 prints, byte for byte, for private
// instances set into several states and (read only) for the top buffer. Never changes the top buffer.

import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, rmdirSync, writeFileSync } from "node:fs";
import { firstDifference } from "../../helpers/corpus.ts";
import { instanceName, missing, run, skipBecause, TRACEFS, VTRACE_BIN, VTRACE_SRC } from "../../helpers/env.ts";
import { traceCmd } from "../../helpers/tracecmd.ts";

const skip = skipBecause(missing({ tracefs: true, traceCmd: true }), "stat e2e");
const VTRACE = existsSync(VTRACE_BIN) ? [VTRACE_BIN] : VTRACE_SRC;
const cpus = skip ? 0 : readdirSync(`${TRACEFS}/per_cpu`).filter((d) => /^cpu\d+$/.test(d)).length;

/** A private instance, removed when the test ends however it ends. */
function instance(prefix: string) {
  const name = instanceName(prefix);
  const dir = `${TRACEFS}/instances/${name}`;
  mkdirSync(dir);
  const set = (file: string, text: string) => writeFileSync(`${dir}/${file}`, text);
  return { name, set, [Symbol.dispose]: () => rmdirSync(dir) };
}

/**
 * Runs both and expects identical stdout. Output naming the top buffer also lists every instance, and
 * other tests create and remove theirs meanwhile, so those comparisons get a few tries.
 */
async function sameAsTraceCmd(args: string[]): Promise<string> {
  const tries = args.includes("-B") && !args.includes("-t") ? 1 : 5;
  let diff: string | undefined;
  for (let i = 0; i < tries; i++) {
    const theirs = await traceCmd(["stat", ...args]);
    const ours = await run([...VTRACE, "stat", ...args]);
    expect({ code: ours.code, stderr: ours.stderr }).toEqual({ code: 0, stderr: "" });
    diff = firstDifference(theirs.stdout, ours.stdout);
    if (diff === undefined) return ours.stdout;
  }
  throw new Error(`vtrace stat ${args.join(" ")} differs from trace-cmd stat: ${diff}`);
}

describe.skipIf(skip)("vtrace stat against trace-cmd stat", () => {
  test.each([[[]], [["-o"]]])("stat %j of the top buffer (read only)", async (args) => {
    expect(await sameAsTraceCmd(args)).toContain("\nTracing is ");
  });

  test("stat -B: events by system and one by one, a filter and a trigger", async () => {
    using inst = instance("stat-ev");
    inst.set("tracing_on", "0");
    inst.set("events/irq/enable", "1");
    inst.set("events/sched/sched_switch/enable", "1");
    inst.set("events/timer/hrtimer_start/enable", "1");
    inst.set("events/sched/sched_switch/filter", "prev_pid != 0");
    inst.set("events/sched/sched_wakeup/trigger", "traceoff");
    const out = await sameAsTraceCmd(["-B", inst.name]);
    for (const part of ["Individual systems:\n   irq\n", "        hrtimer_start\n", '  sched:sched_switch "prev_pid != 0"\n', '  sched:sched_wakeup "traceoff:unlimited"\n']) {
      expect(out).toContain(part);
    }
  });

  test("stat -B: pid lists, cpumask, buffer size, clock, tracing off", async () => {
    using inst = instance("stat-set");
    inst.set("tracing_on", "0");
    inst.set("set_event_pid", String(process.pid));
    inst.set("set_event_notrace_pid", "1");
    inst.set("buffer_size_kb", "2048");
    inst.set("trace_clock", "global");
    if (cpus > 1) inst.set("tracing_cpumask", "1");
    const out = await sameAsTraceCmd(["-B", inst.name]);
    expect(out).toMatch(/\nBuffer size in kilobytes \(per cpu\):\n {3}20\d\d\n/);
    for (const part of ["\nClock: global\n", `\nFiltered event PIDs:\n${process.pid}\n`, "\nFiltered notrace event PIDs:\n1\n", "\nTracing is disabled\n"]) {
      expect(out).toContain(part);
    }
    if (cpus > 1) expect(out).toContain("\nCPU mask: 1\n");
  });

  test("stat -B -o: options toggled from their defaults", async () => {
    using inst = instance("stat-opt");
    inst.set("options/overwrite", "0");
    inst.set("options/event-fork", "1");
    const out = await sameAsTraceCmd(["-B", inst.name, "-o"]);
    for (const part of ["\nOptions:\n", "   nooverwrite\n", "   event-fork\n", "\nTracing is enabled\n"]) expect(out).toContain(part);
  });

  test("stat -B: per-CPU buffer sizes and a refused filter in the error log", async () => {
    using inst = instance("stat-err");
    inst.set("tracing_on", "0");
    expect(() => inst.set("events/sched/sched_wakeup/filter", "no_such_field == 1")).toThrow();
    if (cpus > 1) inst.set("per_cpu/cpu1/buffer_size_kb", "100");
    const out = await sameAsTraceCmd(["-B", inst.name]);
    expect(out).toContain("parse_error: Field not found\"\n");
    expect(out).toContain("\nError log:\n");
    if (cpus > 1) expect(out).toContain("\nCPU 1 buffer size (kb): ");
  });

  test("stat -B A -B B [-t]: order, headings and separators", async () => {
    using a = instance("stat-a");
    using b = instance("stat-b");
    a.set("tracing_on", "0");
    a.set("events/enable", "1");
    const both = await sameAsTraceCmd(["-B", a.name, "-B", b.name]);
    expect(both).toStartWith(`Instance: ${b.name}\n`);
    expect(both).toContain(`---------------\nInstance: ${a.name}\n\nEvents:\n All enabled\n`);
    const withTop = await sameAsTraceCmd(["-t", "-B", a.name, "-B", b.name]);
    expect(withTop).toContain(`\n---------------\nInstance: ${b.name}\n`);
  }, 30_000); // enabling every event, and removing the instance after, take seconds each

  test("stat -B of a missing instance is one line and exit 2 (trace-cmd prints 'Instance: (null)' and the top buffer, exit 0)", async () => {
    const name = instanceName("stat-none");
    const theirs = await traceCmd(["stat", "-B", name]);
    expect({ code: theirs.code, head: theirs.stdout.split("\n")[0] }).toEqual({ code: 0, head: "Instance: (null)" });
    const ours = await run([...VTRACE, "stat", "-B", name]);
    expect({ code: ours.code, stdout: ours.stdout, lines: ours.stderr.trim().split("\n").length }).toEqual({ code: 2, stdout: "", lines: 1 });
    expect(ours.stderr).toStartWith(`vtrace stat: no ftrace instance '${name}'`);
  });
});
