// End to end: trace-cmd's flight-recorder commands on real ftrace: `vtrace start` leaves tracing on in
// the kernel and returns, `stop` pauses it, `extract` saves the buffer as a trace.dat that trace-cmd
// reports as vtrace does, `reset` removes the instance (or gives the top buffer its defaults).

import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { instanceName, missing, run, skipBecause, tempDir, TRACEFS, VTRACE_BIN } from "../../helpers/env.ts";
import { eventLines, traceCmd } from "../../helpers/tracecmd.ts";

const skip = skipBecause(missing({ tracefs: true, traceCmd: true, binary: true }), "start/stop/extract/reset e2e");
const vtrace = (...args: string[]) => run([VTRACE_BIN, ...args]);

describe.skipIf(skip)("vtrace start / stop / extract / reset (compiled binary, real ftrace)", () => {
  test("start returns with tracing on; stop; extract writes what trace-cmd reports as vtrace does; reset removes the instance", async () => {
    using dir = tempDir("flight");
    const inst = instanceName("flight");
    const path = `${TRACEFS}/instances/${inst}`;
    try {
      const started = await vtrace("start", "-B", inst, "-e", "sched", "-e", "syscalls:sys_enter_openat", "-f", "dfd != 12345");
      expect({ code: started.code, stderr: started.stderr }).toMatchObject({ code: 0, stderr: expect.stringContaining(`tracing `) });
      expect(readFileSync(`${path}/tracing_on`, "utf8").trim()).toBe("1");
      expect(readFileSync(`${path}/set_event`, "utf8")).toContain("sched:sched_switch");
      expect(readFileSync(`${path}/events/syscalls/sys_enter_openat/filter`, "utf8").trim()).toBe("dfd != 12345");
      await run(["sh", "-c", "ls -R /usr/lib >/dev/null"]);
      expect((await vtrace("stop", "-B", inst)).code).toBe(0);
      expect(readFileSync(`${path}/tracing_on`, "utf8").trim()).toBe("0");
      const out = `${dir.path}/t.dat`;
      const extracted = await vtrace("extract", "-B", inst, "-o", out);
      expect({ code: extracted.code, wrote: extracted.stderr.includes(`vtrace extract: wrote ${out}`) }).toEqual({ code: 0, wrote: true });
      const theirs = await traceCmd(["report", "-i", out]);
      expect(theirs.code).toBe(0);
      const lines = eventLines(theirs.stdout);
      expect(lines.filter((l) => l.includes(" sys_enter_openat: ")).length).toBeGreaterThan(10);
      expect(lines.some((l) => l.includes(" sched_switch: "))).toBe(true);
      expect((await vtrace("report", "-i", out)).stdout).toBe(theirs.stdout);
      // The buffer settings stay as start left them until reset.
      expect(readFileSync(`${path}/set_event`, "utf8")).toContain("sched:sched_switch");
      expect((await vtrace("reset", "-B", inst)).code).toBe(0);
      expect(existsSync(path)).toBe(false);
    } finally {
      if (existsSync(path)) await run(["rmdir", path]);
    }
  }, 60_000);

  test("extract --file-version 7 while tracing goes on: trace-cmd reads the zstd file", async () => {
    using dir = tempDir("flight7");
    const inst = instanceName("flight7");
    try {
      expect((await vtrace("start", "-B", inst, "-e", "sched")).code).toBe(0);
      await run(["sh", "-c", "ls -R /usr/lib >/dev/null"]);
      const out = `${dir.path}/t.dat`;
      expect((await vtrace("extract", "-B", inst, "-o", out, "--file-version", "7")).code).toBe(0);
      const theirs = await traceCmd(["report", "-i", out]);
      expect({ code: theirs.code, v7: readFileSync(out).subarray(10, 12).toString() }).toEqual({ code: 0, v7: "7\0" });
      expect(eventLines(theirs.stdout).length).toBeGreaterThan(10);
    } finally {
      await vtrace("reset", "-B", inst);
    }
  }, 60_000);

  test("reset of the top buffer: no events, tracing on, local clock", async () => {
    expect((await vtrace("start", "-e", "sched:sched_switch", "-C", "mono")).code).toBe(0);
    expect(readFileSync(`${TRACEFS}/set_event`, "utf8")).toContain("sched:sched_switch");
    expect((await vtrace("reset")).code).toBe(0);
    expect({
      events: readFileSync(`${TRACEFS}/set_event`, "utf8"),
      on: readFileSync(`${TRACEFS}/tracing_on`, "utf8").trim(),
      clock: /\[(\w+)\]/.exec(readFileSync(`${TRACEFS}/trace_clock`, "utf8"))?.[1],
    }).toEqual({ events: "", on: "1", clock: "local" });
  }, 60_000);

  const errors: [string, string[], RegExp][] = [
    ["stop of no instance", ["stop", "-B", "vtrace-none-here"], /^vtrace stop: no ftrace instance 'vtrace-none-here' .*: start one with vtrace start -B vtrace-none-here\n$/],
    ["extract of no instance", ["extract", "-B", "vtrace-none-here", "-o", "/tmp/vtrace-none.dat"], /^vtrace extract: no ftrace instance 'vtrace-none-here'/],
    ["reset of no instance", ["reset", "-B", "vtrace-none-here"], /^vtrace reset: no ftrace instance 'vtrace-none-here'/],
    ["start without events", ["start", "-B", "vtrace-none-here"], /^vtrace start: no events to trace: give at least one -e EVENT/],
    ["start with a bad filter", ["start", "-B", "vtrace-none-here", "-e", "sched:sched_switch", "-f", "nope > 1"], /^vtrace start: invalid filter 'nope > 1' for sched:sched_switch: Field not found\n$/],
  ];
  test.each(errors)("%s → one line, exit 2, nothing left behind", async (_name, args, message) => {
    const r = await vtrace(...args);
    expect({ code: r.code, oneLine: r.stderr.trim().split("\n").length }).toEqual({ code: 2, oneLine: 1 });
    expect(r.stderr).toMatch(message);
    expect(existsSync(`${TRACEFS}/instances/vtrace-none-here`)).toBe(false);
    expect(existsSync("/tmp/vtrace-none.dat")).toBe(false);
  });
});
