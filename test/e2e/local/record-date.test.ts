// End to end: `vtrace record --date` stores the trace clock's offset to the wall clock (DATE), so a
// marker carrying the wall-clock time it was written at reports at that time; `--ts-offset NS` stores
// OFFSET. trace-cmd report prints the same lines; --nodate / --raw-ts show the times without them.

import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { instanceName, missing, run, skipBecause, TRACEFS, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { traceCmd } from "../../helpers/tracecmd.ts";

const skip = skipBecause(missing({ tracefs: true, traceCmd: true, binary: true }), "record --date e2e");

/** Seconds printed before the event name on report lines that contain `text`. */
function timeOfLine(report: string, text: string): number {
  const line = report.split("\n").find((l) => l.includes(text));
  expect(line).toBeDefined();
  return Number(/ (\d+\.\d{6}): /.exec(line!)![1]);
}

describe.skipIf(skip)("vtrace record --date / --ts-offset (compiled binary, real ftrace)", () => {
  test("--date: a marker holding the wall-clock time it was written reports at that time (± 20 ms), as in trace-cmd", async () => {
    using dir = tempDir("date");
    const inst = instanceName("date");
    const out = join(dir.path, "d.dat");
    // The marker text is the wall-clock time read just before the write.
    const command = `sleep 0.1; echo "wall $(date +%s.%N)" > ${TRACEFS}/instances/${inst}/trace_marker; sleep 0.1`;
    const r = await run([VTRACE_BIN, "record", "-B", inst, "-e", "sched", "--date", "-o", out, "--", "sh", "-c", command]);
    expect(r.code).toBe(0);
    const ours = (await run([VTRACE_BIN, "report", "-i", out])).stdout;
    expect(ours).toBe((await traceCmd(["report", "-i", out])).stdout);
    const wall = Number(/wall (\d+\.\d+)/.exec(ours)![1]);
    expect(Math.abs(timeOfLine(ours, "wall ") - wall)).toBeLessThan(0.02);
    // Without the DATE offset the time is the trace clock's (seconds since boot here), far from the date.
    const noDate = (await run([VTRACE_BIN, "report", "--nodate", "-i", out])).stdout;
    expect(wall - timeOfLine(noDate, "wall ")).toBeGreaterThan(1e6);
  });

  test("--ts-offset NS: every time moves by NS; --raw-ts shows them unmoved", async () => {
    using dir = tempDir("tsoff");
    const out = join(dir.path, "o.dat");
    const r = await run([VTRACE_BIN, "record", "-B", instanceName("tsoff"), "-e", "sched", "--ts-offset", "5000000000", "-o", out, "--", "sleep", "0.1"]);
    expect(r.code).toBe(0);
    const [shifted, theirs, raw] = await Promise.all([run([VTRACE_BIN, "report", "-t", "-i", out]), traceCmd(["report", "-t", "-i", out]), run([VTRACE_BIN, "report", "--raw-ts", "-i", out])]);
    expect(shifted.stdout).toBe(theirs.stdout);
    // Raw ns since boot may fill "%12d" with no blank after the cpu's "]".
    const first = (text: string) => BigInt(/\]\s*(\d+)\.?(\d*): /.exec(text.split("\n")[1]!)!.slice(1).join(""));
    expect(first(shifted.stdout) - first(raw.stdout)).toBe(5_000_000_000n);
  });

  test("bad combinations: one line, exit 2", async () => {
    const cases: [string[], string][] = [
      [["--date", "--ts-offset", "5"], "vtrace record: --date and --ts-offset cannot go together"],
      [["--ts-offset", "5s"], "vtrace record: invalid --ts-offset '5s': expected an integer of ns"],
      [["--date", "-N", "127.0.0.1:1"], "vtrace record: --date and --ts-offset need a local recording (not -A, -N or --virt)"],
      [["--date", "-C", "counter"], "vtrace record: --date needs a clock in ns (local, global, mono, boot, ...) or x86-tsc with a known frequency; 'counter' counts ticks"],
    ];
    for (const [args, line] of cases) {
      const r = await run([VTRACE_BIN, "record", "-B", instanceName("dbad"), "-e", "sched", "-o", "/tmp/vtrace-date-bad.dat", ...args, "--", "true"]);
      expect({ args, code: r.code, err: r.stderr }).toEqual({ args, code: 2, err: `${line}\n` });
    }
  });
});
