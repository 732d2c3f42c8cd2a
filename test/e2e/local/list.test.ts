// End to end: `vtrace list` prints what `trace-cmd list` prints for events (names, regexes, formats),
// clocks, instances and options; compressions are vtrace's own.

import { describe, expect, test } from "bun:test";
import { missing, run, skipBecause, VTRACE_BIN } from "../../helpers/env.ts";
import { traceCmd } from "../../helpers/tracecmd.ts";

const skip = skipBecause(missing({ tracefs: true, traceCmd: true, binary: true }), "list e2e");

describe.skipIf(skip)("vtrace list (compiled binary, real tracefs) against trace-cmd list", () => {
  test.each([
    [["-e"]],
    [["-e", "sched_sw"]],
    [["-e", "SCHED_SWITCH$"]],
    [["-e", "^irq:"]],
    [["-e", "irq"]],
    [["-e", "sched:wak"]],
    [["-e", "ftrace"]],
    [["-e", "sched:sched_switch", "-F"]],
    [["-e", "sched_wak", "-F"]],
    [["-C"]],
    [["-B"]],
    [["-o"]],
  ])("list %j", async (args) => {
    const [ours, theirs] = await Promise.all([run([VTRACE_BIN, "list", ...args]), traceCmd(["list", ...args])]);
    expect(ours.code).toBe(0);
    expect(ours.stdout.length).toBeGreaterThan(0);
    expect(ours.stdout).toBe(theirs.stdout);
  });

  test("list -c names the compressions record --compression takes", async () => {
    const r = await run([VTRACE_BIN, "list", "-c"]);
    expect(r.stdout).toBe("Supported compression algorithms:\n\tzstd, 1.5.7\n\tzlib, 1.3.1\n");
  });

  test.each([
    [["-F"], "vtrace list: -F needs -e REGEX: the events whose formats to show\n"],
    [["-e", "sched\\("], "vtrace list: invalid regex 'sched\\(': "],
  ])("list %j → one line, exit 2", async (args, message) => {
    const r = await run([VTRACE_BIN, "list", ...args]);
    expect({ code: r.code, lines: r.stderr.trim().split("\n").length, start: r.stderr.slice(0, message.length) }).toEqual({ code: 2, lines: 1, start: message });
  });
});
