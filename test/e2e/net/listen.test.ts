// Network mode on loopback: vtrace record -N ⇄ trace-cmd listen, trace-cmd record -N ⇄ vtrace listen,
// and vtrace with itself, over UDP and TCP. trace-cmd report is the judge of every file.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { instanceName, missing, run, skipBecause, TRACEFS, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { freePort, startListener, waitForFile } from "../../helpers/listeners.ts";
import { eventLines, traceCmd } from "../../helpers/tracecmd.ts";

const skip = skipBecause(missing({ tracefs: true, traceCmd: true, binary: true }), "network e2e");

async function expectReadable(file: string, minEvents: number): Promise<string[]> {
  const r = await traceCmd(["report", "-i", file]);
  expect(r.stderr).not.toMatch(/error|failed|truncated/i);
  const lines = eventLines(r.stdout);
  expect(lines.length).toBeGreaterThanOrEqual(minEvents);
  return lines;
}

describe.skipIf(skip)("network mode", () => {
  test.each([["UDP", []], ["TCP", ["-t"]]])("vtrace record -N → trace-cmd listen over %s", async (_, flags) => {
    using dir = tempDir("tcl");
    const port = freePort();
    const listener = await startListener(["trace-cmd", "listen", "-p", String(port), "-d", dir.path], port);
    try {
      const r = await run([VTRACE_BIN, "record", "-B", instanceName("ntc"), "-N", `127.0.0.1:${port}`, ...flags, "-e", "sched", "--", "sleep", "0.5"]);
      expect(r.code).toBe(0);
      const file = await waitForFile(dir.path, ".dat", 15_000);
      const lines = await expectReadable(file, 5);
      expect(lines.some((l) => / sched_(switch|wakeup)/.test(l))).toBe(true);
    } finally {
      await listener.stop();
    }
  }, 60_000);

  test.each([["UDP", []], ["TCP", ["-t"]]])("vtrace record -N → vtrace listen --bind 127.0.0.1 over %s", async (_, flags) => {
    using dir = tempDir("vl");
    const port = freePort();
    const listener = await startListener([VTRACE_BIN, "listen", "-p", String(port), "--bind", "127.0.0.1", "-d", dir.path, "-o", "net"], port);
    try {
      const r = await run([VTRACE_BIN, "record", "-B", instanceName("nvv"), "-N", `127.0.0.1:${port}`, ...flags, "-e", "sched", "--", "sleep", "0.5"]);
      expect(r.code).toBe(0);
      const file = await waitForFile(dir.path, ".dat", 15_000);
      expect(file).toMatch(/\/net\.127\.0\.0\.1:\d+\.dat$/);
      await expectReadable(file, 5);
    } finally {
      await listener.stop();
    }
  }, 60_000);

  test.each([
    ["v6 metadata, UDP", ["--file-version", "6"]],
    ["v6 metadata, TCP", ["--file-version", "6", "-t"]],
    ["v7 zstd metadata (trace-cmd's default), UDP", []],
  ])("trace-cmd record -N (the real client) → vtrace listen: %s", async (_, flags) => {
    using dir = tempDir("tcr");
    const port = freePort();
    const listener = await startListener([VTRACE_BIN, "listen", "-p", String(port), "--bind", "127.0.0.1", "-d", dir.path], port);
    const saved = readFileSync(`${TRACEFS}/set_event`, "utf8");
    try {
      // Debian's trace-cmd record needs -d --no-filter on this locked-down kernel; it exits 1 at cleanup.
      await run(["trace-cmd", "record", "-d", "--no-filter", ...flags, "-N", `127.0.0.1:${port}`, "-e", "sched", "sleep", "0.5"], { cwd: dir.path });
      const file = await waitForFile(dir.path, ".dat", 15_000);
      await expectReadable(file, 5);
    } finally {
      writeFileSync(`${TRACEFS}/set_event`, "");
      for (const line of saved.split("\n").filter(Boolean)) writeFileSync(`${TRACEFS}/set_event`, `${line}\n`, { flag: "a" });
      await listener.stop();
    }
  }, 60_000);

  test("listen rejects an output name that would escape its folder", async () => {
    const r = await run([VTRACE_BIN, "listen", "-o", "../evil", "-p", String(freePort())]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: "vtrace listen: invalid output name '../evil': no '/' or leading '.'\n" });
  });

  test("record -N to a port where nothing listens fails in one line and restores the instance", async () => {
    const inst = instanceName("nobody");
    const r = await run([VTRACE_BIN, "record", "-B", inst, "-N", `127.0.0.1:${freePort()}`, "-e", "sched", "--", "true"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^vtrace record: cannot connect to 127\.0\.0\.1:\d+/);
  });
});

describe.skipIf(skip)("network mode faults", () => {
  test("a client killed mid-recording leaves a readable file of what arrived", async () => {
    using dir = tempDir("kill");
    const port = freePort();
    const listener = await startListener([VTRACE_BIN, "listen", "-p", String(port), "--bind", "127.0.0.1", "-d", dir.path], port);
    const inst = instanceName("kill");
    try {
      const rec = Bun.spawn([VTRACE_BIN, "record", "-B", inst, "-N", `127.0.0.1:${port}`, "-t", "-e", "sched", "-e", "syscalls", "--", "sh", "-c", "ls -R /usr >/dev/null; sleep 30"], { stderr: "pipe" });
      // Wait until pages have reached the listener's per-CPU files, then kill without warning.
      const until = Date.now() + 20_000;
      while (!readdirSync(dir.path).some((f) => /\.cpu\d+$/.test(f) && statSync(`${dir.path}/${f}`).size >= 8192)) {
        if (Date.now() > until) throw new Error("no data reached the listener");
        await Bun.sleep(100);
      }
      rec.kill("SIGKILL");
      await rec.exited;
      const file = await waitForFile(dir.path, ".dat", 20_000);
      await expectReadable(file, 10);
    } finally {
      await listener.stop();
      await run(["sh", "-c", `echo 0 > ${TRACEFS}/instances/${inst}/tracing_on; echo > ${TRACEFS}/instances/${inst}/set_event; rmdir ${TRACEFS}/instances/${inst}`]);
    }
  }, 60_000);
});
