// End to end: `vtrace record` on real ftrace (a private instance per test), checked with trace-cmd.

import { VTRACE_VERSION } from "../../../src/version.ts";
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { decodePage } from "../../../src/ringbuf/page.ts";
import { instanceName, missing, run, skipBecause, TRACEFS, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { dumpFlyrecord, eventLines, traceCmd } from "../../helpers/tracecmd.ts";

const why = missing({ tracefs: true, traceCmd: true, binary: true });
const skip = skipBecause(why, "record e2e");

describe.skipIf(skip)("vtrace record (compiled binary, real ftrace)", () => {
  test("record -e sched -e irq -- CMD writes a file trace-cmd reports, with matching CPU sizes", async () => {
    using dir = tempDir("rec");
    const inst = instanceName("rec");
    const out = `${dir.path}/t.dat`;
    const r = await run([VTRACE_BIN, "record", "-B", inst, "-e", "sched", "-e", "irq", "-o", out, "--", "sh", "-c", "ls -R /usr/lib >/dev/null; sleep 0.3"]);
    expect(r.stderr).toContain(`wrote ${out}`);
    expect(r.code).toBe(0);
    const report = await traceCmd(["report", "-i", out]);
    expect(report.stderr).not.toMatch(/error|failed/i);
    expect(report.code).toBe(0);
    const lines = eventLines(report.stdout);
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.some((l) => / sched_switch: /.test(l))).toBe(true);
    // Sizes: our summary lines "cpuN: X, P pages" agree with trace-cmd's flyrecord table.
    const table = await dumpFlyrecord(out);
    const pages = [...r.stderr.matchAll(/cpu(\d+): [^,]+, (\d+) pages/g)].map((m) => Number(m[2]));
    expect(table.map((t) => t.size / 4096)).toEqual(pages);
    const summary = await traceCmd(["dump", "--summary", "-i", out]);
    const cpus = Number(/(\d+) \[CPUs with tracing data\]/.exec(summary.stdout)?.[1]);
    expect(cpus).toBe(table.length);
    expect(r.stderr.match(/^  cpu\d+:/gm)?.length).toBe(cpus);
    expect(existsSync(`${TRACEFS}/instances/${inst}`)).toBe(false);
  }, 60_000);

  test("the file is byte-identical to trace-cmd convert --file-version 6 of itself", async () => {
    using dir = tempDir("conv");
    const out = `${dir.path}/t.dat`;
    const r = await run([VTRACE_BIN, "record", "-B", instanceName("conv"), "-e", "sched", "-o", out, "--", "sleep", "0.2"]);
    expect(r.code).toBe(0);
    const conv = await traceCmd(["convert", "-i", out, "-o", `${dir.path}/c.dat`, "--file-version", "6"]);
    expect(conv.code).toBe(0);
    const ours = readFileSync(out);
    const theirs = readFileSync(`${dir.path}/c.dat`);
    expect(ours.length).toBe(theirs.length);
    expect(Buffer.compare(ours, theirs)).toBe(0);
  }, 60_000);

  test("real pages decode to exactly the timestamps trace-cmd reports per CPU", async () => {
    using dir = tempDir("pages");
    const out = `${dir.path}/t.dat`;
    const r = await run([VTRACE_BIN, "record", "-B", instanceName("pages"), "-e", "sched", "-e", "irq", "-o", out, "--", "sh", "-c", "ls -R /usr >/dev/null"]);
    expect(r.code).toBe(0);
    const file = readFileSync(out);
    const table = await dumpFlyrecord(out);
    let total = 0;
    for (const [cpu, { offset, size }] of table.entries()) {
      const ours: string[] = [];
      for (let at = offset; at < offset + size; at += 4096) {
        for (const ev of decodePage(file.subarray(at, at + 4096), { littleEndian: true, longSize: 8 })) {
          ours.push(`${ev.ts / 1_000_000_000n}.${String(ev.ts % 1_000_000_000n).padStart(9, "0")}`);
        }
      }
      const rep = await traceCmd(["report", "-t", "--cpu", String(cpu), "-i", out]);
      const theirs = eventLines(rep.stdout).map((l) => /\]\s+(\d+\.\d{9}):/.exec(l)?.[1]);
      expect(ours).toEqual(theirs as string[]);
      total += ours.length;
    }
    expect(total).toBeGreaterThan(50);
  }, 60_000);

  test("Ctrl-C without a command keeps everything recorded, marker included", async () => {
    using dir = tempDir("sigint");
    const inst = instanceName("sigint");
    const out = `${dir.path}/t.dat`;
    const proc = Bun.spawn([VTRACE_BIN, "record", "-B", inst, "-e", "ftrace:print", "-e", "sched", "-o", out], { stderr: "pipe" });
    const marker = `vtrace-marker-${process.pid}`;
    // The per-CPU files appear once the signal handlers are in place; tracing starts right after.
    await waitFor(() => existsSync(`${out}.cpu0`), 10_000);
    await waitFor(() => readIfExists(`${TRACEFS}/instances/${inst}/tracing_on`) === "1\n", 10_000);
    await Bun.write(`${TRACEFS}/instances/${inst}/trace_marker`, marker);
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(0);
    expect(await new Response(proc.stderr).text()).toContain("stopped by SIGINT");
    const report = await traceCmd(["report", "-i", out]);
    expect(report.stdout).toContain(marker);
    expect(existsSync(`${TRACEFS}/instances/${inst}`)).toBe(false);
  }, 60_000);

  test("the recorder's own threads are kept out of the trace (no feedback loop)", async () => {
    using dir = tempDir("notrace");
    const out = `${dir.path}/t.dat`;
    const r = await run([VTRACE_BIN, "record", "-B", instanceName("notrace"), "-e", "raw_syscalls", "-o", out, "--", "sleep", "1"]);
    expect(r.code).toBe(0);
    const report = await traceCmd(["report", "-i", out]);
    const ours = eventLines(report.stdout).filter((l) => /^\s*vtrace-\d+/.test(l));
    // Only the main thread's few syscalls between fork and exec-wait may show; the movers must not.
    console.log(`events from the recorder process: ${ours.length}`);
    expect(ours.length).toBeLessThan(200);
  }, 60_000);

  test("the binary copied alone into an empty folder runs record, --help and --version", async () => {
    using dir = tempDir("alone");
    const bin = `${dir.path}/vtrace`;
    await Bun.write(bin, Bun.file(VTRACE_BIN));
    await run(["chmod", "+x", bin]);
    // Bun's own version (Bun.version), not its Node-compatibility number (process.version).
    expect((await run([bin, "--version"], { cwd: dir.path })).stdout).toBe(`vtrace/${VTRACE_VERSION} ${process.platform}-${process.arch} bun-${Bun.version}\n`);
    expect((await run([bin, "--help"], { cwd: dir.path })).stdout).toContain("record");
    const r = await run([bin, "record", "-B", instanceName("alone"), "-e", "sched", "-o", "a.dat", "--", "true"], { cwd: dir.path });
    expect(r.code).toBe(0);
    expect((await traceCmd(["report", "-i", `${dir.path}/a.dat`])).code).toBe(0);
  }, 60_000);
});

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await Bun.sleep(20);
  }
}
