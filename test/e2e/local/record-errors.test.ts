// Bad input to `vtrace record`: exactly one stderr line, the right exit code, kernel state untouched.

import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { instanceName, missing, run, skipBecause, TRACEFS, tempDir, VTRACE_BIN } from "../../helpers/env.ts";

const skip = skipBecause(missing({ tracefs: true, binary: true }), "record error e2e");

const CASES: { name: string; args: (dir: string) => string[]; code: number; line: RegExp; instance?: string }[] = [
  { name: "unknown event", args: () => ["-e", "nosuch_event_xyz"], code: 2, line: /unknown event 'nosuch_event_xyz'/ },
  { name: "misspelt event suggests close matches", args: () => ["-e", "schd"], code: 2, line: /unknown event 'schd': did you mean 'sched'/ },
  { name: "unknown clock", args: () => ["-e", "sched", "-C", "bogus"], code: 2, line: /unknown trace clock 'bogus': available are local/ },
  { name: "unwritable output", args: () => ["-e", "sched", "-o", "/nonexistent/dir/x.dat"], code: 2, line: /cannot write output '\/nonexistent\/dir\/x.dat': ENOENT/ },
  { name: "bad buffer size", args: () => ["-e", "sched", "-b", "lots"], code: 2, line: /invalid --buffer-size 'lots'/ },
  { name: "instance name escaping tracefs", args: () => ["-e", "sched"], instance: "../x", code: 2, line: /invalid instance name '\.\.\/x'/ },
  { name: "no events", args: () => [], code: 2, line: /no events to record/ },
  { name: "unknown option", args: () => ["--bogus"], code: 2, line: /Unknown option `--bogus`/ },
  { name: "command that cannot start", args: (d) => ["-e", "sched", "-o", `${d}/x.dat`, "--", "/nonexistent/cmd"], code: 1, line: /cannot start command '\/nonexistent\/cmd': ENOENT/ },
];

describe.skipIf(skip)("vtrace record bad input", () => {
  test.each(CASES)("$name → one line, exit $code, nothing left behind", async ({ args, code, line, instance }) => {
    using dir = tempDir("err");
    const inst = instance ?? instanceName("err");
    const before = readFileSync(`${TRACEFS}/trace_clock`, "utf8");
    const r = await run([VTRACE_BIN, "record", "-B", inst, ...args(dir.path)], { cwd: dir.path });
    expect({ code: r.code, lines: r.stderr.trimEnd().split("\n").length }).toEqual({ code, lines: 1 });
    expect(r.stderr).toMatch(line);
    expect(r.stderr).toMatch(/^vtrace record: /);
    expect(existsSync(`${TRACEFS}/instances/${inst}`)).toBe(false);
    expect(readFileSync(`${TRACEFS}/trace_clock`, "utf8")).toBe(before);
    expect(readdirSync(dir.path)).toEqual([]);
  });

  test("not root → one line, exit 2", async () => {
    if (!Bun.which("setpriv")) return console.warn("skip: setpriv missing");
    const r = await run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", VTRACE_BIN, "record", "-e", "sched", "-o", "/tmp/nobody.dat"]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 2,
      stderr: "vtrace record: must run as root to trace (ftrace needs CAP_SYS_ADMIN) (run it with sudo)\n",
    });
  });

  test("an existing instance keeps its settings: set_event and clock are restored", async () => {
    using dir = tempDir("keep");
    const inst = instanceName("keep");
    const path = `${TRACEFS}/instances/${inst}`;
    await run(["mkdir", path]);
    try {
      await Bun.write(`${path}/set_event`, "irq:softirq_entry\n");
      const before = { events: readFileSync(`${path}/set_event`, "utf8"), clock: readFileSync(`${path}/trace_clock`, "utf8") };
      const r = await run([VTRACE_BIN, "record", "-B", inst, "-e", "sched", "-C", "mono", "-b", "256", "-o", `${dir.path}/k.dat`, "--", "true"]);
      expect(r.code).toBe(0);
      expect({ events: readFileSync(`${path}/set_event`, "utf8"), clock: readFileSync(`${path}/trace_clock`, "utf8") }).toEqual(before);
    } finally {
      await run(["rmdir", path]);
    }
  });
});
