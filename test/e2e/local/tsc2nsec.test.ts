// End to end: `vtrace record -C x86-tsc | -C tsc2nsec | --tsc2nsec` stores TSC2NSEC when the TSC
// frequency is known, so trace-cmd report and vtrace report both print seconds.microseconds.

import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { instanceName, missing, run, skipBecause, TRACEFS, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { eventLines, traceCmd } from "../../helpers/tracecmd.ts";

const hasTsc = existsSync(`${TRACEFS}/trace_clock`) && readFileSync(`${TRACEFS}/trace_clock`, "utf8").includes("x86-tsc");
const skip = skipBecause(missing({ tracefs: true, traceCmd: true, binary: true }) ?? (hasTsc ? undefined : "no x86-tsc trace clock"), "tsc2nsec e2e");

const UNKNOWN = /^vtrace record: TSC frequency unknown \(.+\): timestamps stay in TSC cycles$/m;
/** trace-cmd's event line: "comm-pid [cpu] TIME: event:" */
const LINE = /^\s*(.+)-(\d+)\s+\[(\d{3})\]\s+(\S+):\s+(\w+):\s*(.*)$/;

interface Ev {
  comm: string;
  cpu: number;
  tsNs: number;
  event: string;
  text: string;
}

function parseUsecs(report: string): Ev[] {
  return eventLines(report).map((l) => {
    const m = LINE.exec(l);
    if (!m) throw new Error(`not an event line: ${l}`);
    const t = /^(\d+)\.(\d{6})$/.exec(m[4]!);
    if (!t) throw new Error(`timestamp is not seconds.microseconds: ${l}`);
    return { comm: m[1]!.trim(), cpu: Number(m[3]), tsNs: Number(t[1]) * 1e9 + Number(t[2]) * 1e3, event: m[5]!, text: m[6]! };
  });
}

/** Oracle diff: the first differing line and its number, not the whole report. */
function firstDifference(a: string, b: string): string | undefined {
  const x = a.split("\n");
  const y = b.split("\n");
  for (let i = 0; i < Math.max(x.length, y.length); i++) if (x[i] !== y[i]) return `line ${i + 1}:\n trace-cmd: ${x[i]}\n vtrace:    ${y[i]}`;
  return undefined;
}

describe.skipIf(skip)("vtrace record with the x86-tsc clock (compiled binary, real ftrace)", () => {
  test("record -C x86-tsc → both reports print ns seconds.microseconds, identical, spans true to the clock", async () => {
    using dir = tempDir("tsc");
    const out = `${dir.path}/t.dat`;
    const startedMs = performance.now();
    const r = await run([VTRACE_BIN, "record", "-B", instanceName("tsc"), "-C", "x86-tsc", "-e", "sched", "-e", "timer:hrtimer_expire_entry", "-o", out, "--", "sh", "-c", "sleep 0.1; sleep 0.1"]);
    const wallS = (performance.now() - startedMs) / 1000;
    expect(r.code).toBe(0);
    const theirs = await traceCmd(["report", "-i", out]);
    expect(theirs.code).toBe(0);
    const ours = await run([VTRACE_BIN, "report", "-i", out]);
    expect(ours.code).toBe(0);
    expect(firstDifference(theirs.stdout, ours.stdout)).toBeUndefined();
    if (UNKNOWN.test(r.stderr)) {
      // No frequency source on this machine: one line says so and the cycles stay raw.
      expect(r.stderr.match(/TSC frequency unknown/g)?.length).toBe(1);
      // "%12llu:" right after "]": 16-digit cycle counts leave no space.
      expect(eventLines(theirs.stdout).every((l) => /\]\s*\d{12,}:/.test(l))).toBe(true);
      console.warn("tsc2nsec e2e: no TSC frequency source here; checked the raw-cycles fallback only");
      return;
    }
    const events = parseUsecs(theirs.stdout);
    expect(events.length).toBeGreaterThan(10);
    // Monotonic per CPU.
    for (const cpu of new Set(events.map((e) => e.cpu))) {
      const ts = events.filter((e) => e.cpu === cpu).map((e) => e.tsNs);
      expect(ts).toEqual([...ts].sort((a, b) => a - b));
    }
    // The two sleeps: first exec to last exit is at least 0.2 s, and less than the whole run took.
    const execs = events.filter((e) => e.event === "sched_process_exec" && /filename=\S*\/sleep/.test(e.text));
    const exits = events.filter((e) => e.event === "sched_process_exit" && /comm=sleep/.test(e.text));
    expect([execs.length, exits.length]).toEqual([2, 2]);
    const spanS = (exits[1]!.tsNs - execs[0]!.tsNs) / 1e9;
    expect(spanS).toBeGreaterThan(0.2 * 0.95);
    expect(spanS).toBeLessThan(wallS);
    // Same moment, other clock: hrtimer_expire_entry carries CLOCK_MONOTONIC "now" in ns. The TSC
    // does not start at boot, so the two differ by a constant; a wrong frequency makes it drift.
    const mono = events
      .filter((e) => e.event === "hrtimer_expire_entry" && /function=hrtimer_wakeup/.test(e.text))
      .map((e) => ({ tsNs: e.tsNs, nowNs: Number(/now=(\d+)/.exec(e.text)?.[1]) }))
      .filter((s) => s.nowNs > 0 && s.nowNs < 1e9 * 86_400 * 365);
    // Each gap is that constant plus the interrupt's latency (>= 0), so compare the smallest gap of
    // each half: a frequency off by 0.05 % moves it by 50 µs over 0.1 s.
    const mid = (mono[0]!.tsNs + mono.at(-1)!.tsNs) / 2;
    const minGap = (part: typeof mono) => Math.min(...part.map((s) => s.tsNs - s.nowNs));
    const [early, late] = [mono.filter((s) => s.tsNs < mid), mono.filter((s) => s.tsNs >= mid)];
    expect([early.length > 0, late.length > 0]).toEqual([true, true]);
    const overS = (mono.at(-1)!.tsNs - mono[0]!.tsNs) / 1e9;
    const driftNs = minGap(late) - minGap(early);
    console.log(`tsc2nsec e2e: ${mono.length} hrtimer samples over ${overS.toFixed(3)} s; TSC-ns minus CLOCK_MONOTONIC drifts ${driftNs} ns`);
    expect(overS).toBeGreaterThan(0.09);
    expect(Math.abs(driftNs)).toBeLessThan(50_000);
  }, 60_000);

  test("record -C tsc2nsec and --tsc2nsec write TSC2NSEC (mult < 2^31) and clock [tsc2nsec]; trace-cmd convert reproduces the file", async () => {
    using dir = tempDir("tsc2");
    for (const how of [["-C", "tsc2nsec"], ["--tsc2nsec"]]) {
      const out = `${dir.path}/${how.at(-1)!.replace(/^-+/, "")}.dat`;
      const r = await run([VTRACE_BIN, "record", "-B", instanceName("tsc2"), ...how, "-e", "sched", "-o", out, "--", "sleep", "0.2"]);
      if (r.code === 2 && /cannot convert TSC to nanoseconds here: /.test(r.stderr)) {
        expect(r.stderr.trimEnd().split("\n").length).toBe(1);
        expect(existsSync(out)).toBe(false);
        console.warn("tsc2nsec e2e: no TSC frequency source here; -C tsc2nsec refused as it should be");
        continue;
      }
      expect({ how, code: r.code, stderr: r.stderr.match(/TSC frequency unknown/) }).toEqual({ how, code: 0, stderr: null });
      const opts = await traceCmd(["dump", "--options", "-i", out]);
      const m = /^(\d+) (\d+) (\d+) \[multiplier, shift, offset\]$/m.exec(opts.stdout);
      expect(m).not.toBeNull();
      const [mult, shift, offset] = [Number(m![1]), Number(m![2]), Number(m![3])];
      console.log(`tsc2nsec e2e: ${how.join(" ")}: mult ${mult} shift ${shift} → ${((1e6 * 2 ** shift) / mult / 1000).toFixed(3)} MHz`);
      expect(mult).toBeGreaterThan(0);
      expect(mult).toBeLessThan(2 ** 31);
      expect(shift).toBeLessThanOrEqual(32);
      expect(offset).toBe(0);
      expect(readFileSync(out).includes("[tsc2nsec]")).toBe(true);
      const conv = await traceCmd(["convert", "-i", out, "-o", `${out}.v6`, "--file-version", "6"]);
      expect(conv.code).toBe(0);
      expect(Buffer.compare(readFileSync(out), readFileSync(`${out}.v6`))).toBe(0);
      parseUsecs((await traceCmd(["report", "-i", out])).stdout);
    }
  }, 60_000);

  const BAD: { name: string; args: string[]; line: RegExp }[] = [
    { name: "--tsc2nsec with another clock", args: ["-C", "mono", "--tsc2nsec"], line: /^vtrace record: --tsc2nsec needs the x86-tsc clock, not '-C mono'$/ },
    { name: "-C tsc2nsec over the network", args: ["-C", "tsc2nsec", "-N", "127.0.0.1:1"], line: /^vtrace record: -C tsc2nsec and --tsc2nsec need a local recording \(not -N or --virt\)$/ },
  ];

  test.each(BAD)("$name → one line, exit 2, nothing left behind", async ({ args, line }) => {
    using dir = tempDir("tscbad");
    const inst = instanceName("tscbad");
    const r = await run([VTRACE_BIN, "record", "-B", inst, "-e", "sched", ...args, "-o", `${dir.path}/x.dat`, "--", "true"], { cwd: dir.path });
    expect({ code: r.code, lines: r.stderr.trimEnd().split("\n") }).toEqual({ code: 2, lines: [expect.stringMatching(line)] });
    expect(existsSync(`${TRACEFS}/instances/${inst}`)).toBe(false);
    expect(readdirSync(dir.path)).toEqual([]);
  });
});
