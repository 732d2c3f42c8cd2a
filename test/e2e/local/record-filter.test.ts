// End to end: `vtrace record -e EVENT -f FILTER` (trace-cmd record -f) and the task filters -F, -P PID
// and -c on real ftrace: the kernel filters what is recorded, a system spec filters the events that
// have the fields, bad filters are one-line errors, and every filter file is put back afterwards.

import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { instanceName, missing, run, skipBecause, tempDir, TRACEFS, VTRACE_BIN } from "../../helpers/env.ts";
import { eventLines, traceCmd } from "../../helpers/tracecmd.ts";

const skip = skipBecause(missing({ tracefs: true, traceCmd: true, binary: true }), "record -f e2e");
const LOAD = ["--", "sh", "-c", "ls -R /usr/lib >/dev/null; sleep 0.1"];

/** Records with `args` (and LOAD unless they bring their own `-- command`); the report's event lines. */
async function recordLines(args: string[]): Promise<string[]> {
  using dir = tempDir("recf");
  const out = `${dir.path}/t.dat`;
  const command = args.includes("--") ? [] : LOAD;
  const r = await run([VTRACE_BIN, "record", "-B", instanceName("recf"), "-o", out, ...args, ...command]);
  expect({ code: r.code, stderr: r.stderr.includes(`wrote ${out}`) }).toEqual({ code: 0, stderr: true });
  return eventLines((await traceCmd(["report", "-i", out])).stdout);
}

const event = (lines: string[], name: string) => lines.filter((l) => l.includes(` ${name}: `));

/** Runs `fn` on a fresh instance made beforehand (so vtrace finds it existing and must restore it), then removes it. */
async function inExistingInstance(fn: (path: string, record: (args: string[]) => Promise<number>) => Promise<void>): Promise<void> {
  const inst = instanceName("keep");
  const path = `${TRACEFS}/instances/${inst}`;
  await run(["mkdir", path]);
  using dir = tempDir("keep");
  try {
    const command = (args: string[]) => (args.includes("--") ? [] : ["--", "true"]);
    await fn(path, async (args) => (await run([VTRACE_BIN, "record", "-B", inst, "-o", `${dir.path}/k.dat`, ...args, ...command(args)])).code);
  } finally {
    await run(["rmdir", path]);
  }
}

describe.skipIf(skip)("vtrace record -f (compiled binary, real ftrace)", () => {
  test("-e sched:sched_switch -f 'prev_pid == 0': only switches away from idle; the next -e stays unfiltered", async () => {
    const lines = await recordLines(["-e", "sched:sched_switch", "-f", "prev_pid == 0", "-e", "sched:sched_wakeup"]);
    const switches = event(lines, "sched_switch");
    expect(switches.length).toBeGreaterThan(0);
    expect(switches.filter((l) => !/sched_switch:\s+swapper\/\d+:0 /.test(l))).toEqual([]);
    expect(event(lines, "sched_wakeup").length).toBeGreaterThan(0);
  }, 60_000);

  test("-e sched -f 'prev_pid != 0': the system filter applies to sched_switch, events without prev_pid stay unfiltered", async () => {
    const lines = await recordLines(["-e", "sched", "-f", "prev_pid != 0"]);
    const switches = event(lines, "sched_switch");
    expect(switches.length).toBeGreaterThan(0);
    expect(switches.filter((l) => /sched_switch:\s+swapper\/\d+:0 /.test(l))).toEqual([]);
    expect(event(lines, "sched_waking").length + event(lines, "sched_wakeup").length).toBeGreaterThan(0);
  }, 60_000);

  test("an existing instance gets its filters back: the event's own and the system's", async () => {
    await inExistingInstance(async (path, record) => {
      writeFileSync(`${path}/events/sched/sched_switch/filter`, "next_pid != 1");
      expect(await record(["-e", "sched", "-f", "prev_pid != 0"])).toBe(0);
      const filterOf = (e: string) => readFileSync(`${path}/events/sched/${e}/filter`, "utf8").split("\n")[0];
      expect({ switch: filterOf("sched_switch"), wakeup: filterOf("sched_wakeup") }).toEqual({ switch: "next_pid != 1", wakeup: "none" });
    });
  }, 60_000);

  /** Task names of the sys_enter_openat lines. */
  const openers = (lines: string[]) => new Set(event(lines, "sys_enter_openat").map((l) => /^\s*(.*)-\d+\s+\[/.exec(l)![1]!.trim()));
  const SHELL = ["--", "sh", "-c", "ls /usr >/dev/null; cat /etc/hostname >/dev/null"];

  test("-F traces only the command (a shell here, not its ls and cat); -F -c its children too", async () => {
    const only = await recordLines(["-e", "syscalls:sys_enter_openat", "-F", ...SHELL]);
    expect([...openers(only)]).toEqual(["sh"]);
    const withChildren = await recordLines(["-e", "syscalls:sys_enter_openat", "-F", "-c", ...SHELL]);
    expect([...openers(withChildren)].sort()).toEqual(["cat", "ls", "sh"]);
  }, 60_000);

  test("-P PID -c: an existing process and its children, nothing else", async () => {
    const loop = Bun.spawn(["sh", "-c", "while :; do cat /etc/hostname >/dev/null; sleep 0.05; done"]);
    try {
      const lines = await recordLines(["-e", "syscalls:sys_enter_openat", "-e", "sched:sched_process_fork", "-P", String(loop.pid), "-c", "--", "sh", "-c", "ls /usr >/dev/null; sleep 0.5"]);
      // The loop's children open files (its forked "sh" the redirection, then "cat" and "sleep"); the
      // recorded command is not in the tree, so its ls opens nothing that is recorded. Checked by pid,
      // through the recorded forks: a short-lived child's comm may have left the kernel's comm cache
      // (trace-cmd then prints "<...>").
      const tree = new Set([loop.pid]);
      for (const l of event(lines, "sched_process_fork")) {
        const m = / pid=(\d+) child_comm=.* child_pid=(\d+)/.exec(l)!;
        if (tree.has(Number(m[1]))) tree.add(Number(m[2]));
      }
      const openerPids = event(lines, "sys_enter_openat").map((l) => Number(/^\s*.*-(\d+)\s+\[/.exec(l)![1]));
      expect(openerPids.filter((pid) => !tree.has(pid))).toEqual([]);
      expect(openers(lines).has("ls")).toBe(false);
      expect(openers(lines).has("cat")).toBe(true);
    } finally {
      loop.kill();
    }
  }, 60_000);

  test("an existing instance gets set_event_pid and event-fork back", async () => {
    await inExistingInstance(async (path, record) => {
      writeFileSync(`${path}/set_event_pid`, "1");
      const state = () => ({ pids: readFileSync(`${path}/set_event_pid`, "utf8"), fork: readFileSync(`${path}/options/event-fork`, "utf8") });
      const before = state();
      expect(await record(["-e", "sched", "-F", "-c", "--", "true"])).toBe(0);
      expect(state()).toEqual(before);
    });
  }, 60_000);

  test("-M 1: events of CPU 0 only; an existing instance gets its tracing_cpumask back", async () => {
    const lines = await recordLines(["-M", "1", "-e", "sched"]);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((l) => !l.includes("[000]"))).toEqual([]);
    await inExistingInstance(async (path, record) => {
      const before = readFileSync(`${path}/tracing_cpumask`, "utf8");
      expect(await record(["-M", "2", "-e", "sched"])).toBe(0);
      expect(readFileSync(`${path}/tracing_cpumask`, "utf8")).toBe(before);
    });
  }, 60_000);

  const errors: [string, string[], string][] = [
    ["-M that is not hex", ["-e", "sched", "-M", "zz"], "vtrace record: invalid -M 'zz': expected a hex CPU mask such as 1 or f"],
    ["-M of no CPU here", ["-e", "sched", "-M", "100000"], `vtrace record: -M 100000 selects none of this machine's CPUs (${navigator.hardwareConcurrency})`],
    ["-F without a command", ["-e", "sched", "-F"], "vtrace record: -F traces the command: give one after --, e.g. vtrace record -e sched -F -- ls"],
    ["-c alone", ["-e", "sched", "-c"], "vtrace record: -c follows the children of -F or -P tasks: give one of them"],
    ["-P of no process", ["-e", "sched", "-P", "4000000"], "vtrace record: -P 4000000: no such process"],
    ["a field the event lacks", ["-e", "sched:sched_switch", "-f", "bogus > 1"], "vtrace record: invalid filter 'bogus > 1' for sched:sched_switch: Field not found"],
    ["-f before any -e", ["-f", "prev_pid != 0", "-e", "sched"], "vtrace record: -f 'prev_pid != 0' must follow the -e EVENT it filters"],
    ["a guest's -f before its -e", ["-e", "sched", "-A", "g1", "-f", "pid > 1", "-e", "sched"], "vtrace record: -f 'pid > 1' must follow the guest's -e EVENT it filters"],
  ];
  test.each(errors)("%s → one line, exit 2, no file, no instance left", async (_name, args, message) => {
    using dir = tempDir("recferr");
    const inst = instanceName("recferr");
    const out = `${dir.path}/t.dat`;
    const command = args.includes("-F") ? [] : ["--", "true"];
    const r = await run([VTRACE_BIN, "record", "-B", inst, ...args, "-o", out, ...command]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: `${message}\n` });
    expect(Bun.file(out).size).toBe(0);
    expect(await Bun.file(`${TRACEFS}/instances/${inst}/trace`).exists()).toBe(false);
  });
});
