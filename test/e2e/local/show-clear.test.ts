// End to end: `vtrace show` prints what `trace-cmd show` prints (trace, one CPU, snapshot, -f, the
// control-file options) for a private instance holding events; `vtrace clear` empties buffers as
// `trace-cmd clear` does. Refused files (EPERM on this kernel) are one line and a non-zero exit.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { instanceName, missing, run, skipBecause, TRACEFS, VTRACE_BIN } from "../../helpers/env.ts";
import { traceCmd } from "../../helpers/tracecmd.ts";

const skip = skipBecause(missing({ tracefs: true, traceCmd: true, binary: true }), "show/clear e2e");
const names = [instanceName("show"), instanceName("show")];
const dirOf = (name: string) => `${TRACEFS}/instances/${name}`;

/** An instance with sched events from a short load, tracing off so its trace file stays as it is. */
async function filled(name: string): Promise<void> {
  const dir = dirOf(name);
  if (!existsSync(dir)) mkdirSync(dir);
  writeFileSync(`${dir}/events/sched/enable`, "1");
  writeFileSync(`${dir}/tracing_on`, "1");
  await run(["sh", "-c", "ls -R /usr/lib/x86_64-linux-gnu >/dev/null; sleep 0.05"]);
  writeFileSync(`${dir}/tracing_on`, "0");
}

const eventLines = (text: string) => text.split("\n").filter((l) => l !== "" && !l.startsWith("#")).length;

describe.skipIf(skip)("vtrace show / clear (compiled binary) against trace-cmd", () => {
  beforeAll(async () => {
    for (const n of names) await filled(n);
  }, 60_000);
  afterAll(() => {
    for (const n of names) if (existsSync(dirOf(n))) rmdirSync(dirOf(n));
  });

  const cases: [string, string[]][] = [
    ["the trace", []],
    ["-c 1", ["-c", "1"]],
    ["-c 0x0 (strtol base 0)", ["-c", "0x0"]],
    ["-f", ["-f"]],
    ["--tracing_on", ["--tracing_on"]],
    ["--buffer_size --cpumask", ["--buffer_size", "--cpumask"]],
    ["--current_tracer", ["--current_tracer"]],
  ];
  test.each(cases)("show -B NAME %s: trace-cmd's bytes", async (_name, args) => {
    const [theirs, ours] = await Promise.all([traceCmd(["show", "-B", names[0]!, ...args]), run([VTRACE_BIN, "show", "-B", names[0]!, ...args])]);
    expect(ours.code).toBe(0);
    expect(ours.stdout).toBe(theirs.stdout);
    expect(ours.stdout.length).toBeGreaterThan(0);
  });

  test("show -s: the snapshot as trace-cmd prints it, or (a kernel without snapshots) one line", async () => {
    const [theirs, ours] = await Promise.all([traceCmd(["show", "-B", names[0]!, "-s"]), run([VTRACE_BIN, "show", "-B", names[0]!, "-s"])]);
    if (existsSync(`${dirOf(names[0]!)}/snapshot`)) expect({ code: ours.code, out: ours.stdout }).toEqual({ code: 0, out: theirs.stdout });
    else expect([ours.code, theirs.code !== 0, ours.stderr]).toEqual([1, true, `vtrace show: cannot read '${dirOf(names[0]!)}/snapshot': ENOENT\n`]);
  });

  test("show: the trace holds the sched events (so the comparison above is not of empty files)", async () => {
    expect(eventLines((await run([VTRACE_BIN, "show", "-B", names[0]!])).stdout)).toBeGreaterThan(20);
  });

  test("show -p: trace_pipe streams (and consumes) events until stopped", async () => {
    const p = Bun.spawn([VTRACE_BIN, "show", "-B", names[1]!, "-p"], { stdout: "pipe", stderr: "pipe" });
    const reader = p.stdout.getReader();
    const { value } = await reader.read();
    p.kill("SIGINT");
    await p.exited;
    expect(new TextDecoder().decode(value)).toMatch(/sched_/);
  });

  test("bad input: one line and a non-zero exit", async () => {
    const cases: [string[], number, RegExp][] = [
      [["show", "-B", names[0]!, "-p", "-s"], 2, /^vtrace show: -p and -s cannot go together$/],
      [["show", "-B", names[0]!, "-c", "one"], 2, /^vtrace show: invalid CPU index 'one'$/],
      [["show", "-B", "no-such-instance-x"], 1, /^vtrace show: cannot read '.*no-such-instance-x\/trace': ENOENT$/],
      [["show", "--ftrace_filter"], 1, /^vtrace show: cannot read '.*set_ftrace_filter': (EPERM|EACCES)$/],
      [["clear", "-B", "no-such-instance-x"], 2, /^vtrace clear: no ftrace instance 'no-such-instance-x'/],
    ];
    for (const [args, code, line] of cases) {
      const r = await run([VTRACE_BIN, ...args]);
      if (args.includes("--ftrace_filter") && r.code === 0) continue; // a kernel that lets us read it
      expect({ args, code: r.code }).toEqual({ args, code });
      expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(line)]);
    }
  });

  test("clear -B NAME empties that buffer only, as trace-cmd clear does", async () => {
    await filled(names[1]!);
    const before = eventLines(readFileSync(`${dirOf(names[1]!)}/trace`, "utf8"));
    expect(before).toBeGreaterThan(20);
    const r = await run([VTRACE_BIN, "clear", "-B", names[1]!]);
    expect(r.code).toBe(0);
    expect(eventLines(readFileSync(`${dirOf(names[1]!)}/trace`, "utf8"))).toBe(0);
    expect(eventLines(readFileSync(`${dirOf(names[0]!)}/trace`, "utf8"))).toBeGreaterThan(20);
    // trace-cmd's clear of the same state gives the same (empty) trace file.
    await filled(names[1]!);
    await traceCmd(["clear", "-B", names[1]!]);
    expect(eventLines(readFileSync(`${dirOf(names[1]!)}/trace`, "utf8"))).toBe(0);
  });

  test("clear -a empties every instance", async () => {
    await filled(names[1]!);
    expect((await run([VTRACE_BIN, "clear", "-a"])).code).toBe(0);
    for (const n of names) expect({ n, lines: eventLines(readFileSync(`${dirOf(n)}/trace`, "utf8")) }).toEqual({ n, lines: 0 });
  });
});
