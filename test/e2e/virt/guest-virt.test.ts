// The real thing: a 2-vCPU QEMU guest (TCG) runs `vtrace record --virt`; its pages cross
// virtio-serial into the host's FIFOs, and `vtrace virt-server` writes a file trace-cmd reads.

import { afterEach, describe, expect, test } from "bun:test";
import { waitForServer } from "../../helpers/virt-server.ts";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { bootGuest, guestSupport, type RunningGuest } from "../../helpers/guest.ts";
import { missing, run, skipBecause, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { eventLines, traceCmd } from "../../helpers/tracecmd.ts";

const skip = skipBecause(guestSupport() ?? missing({ traceCmd: true, binary: true }), "QEMU guest virt e2e");

/** Host side: FIFOs for each domain from setup-guest, and a running virt-server. */
async function hostSide(root: string, domains: string[]) {
  const virtDir = `${root}/virt`;
  const outDir = `${root}/out`;
  mkdirSync(outDir, { recursive: true });
  for (const d of domains) expect((await run([VTRACE_BIN, "setup-guest", d, "--cpus", "2", "--dir", virtDir])).code).toBe(0);
  const log = `${root}/server.log`;
  const server = Bun.spawn([VTRACE_BIN, "virt-server", "--dir", virtDir, "-d", outDir, "-o", "trace", "-l", log], { stdout: "ignore", stderr: "pipe" });
  await waitForServer(virtDir);
  return { virtDir, outDir, log, server };
}

/** Load on both vCPUs, a marker, then a little time so both CPUs fill pages. */
const GUEST_WORK = (marker: string) =>
  `sh -c 'for i in 1 2; do (n=0; while [ $n -lt 3000 ]; do n=$((n+1)); done) & done; echo ${marker} > /sys/kernel/tracing/trace_marker; wait; sleep 0.5'`;

async function stopHost(host: { server: Bun.Subprocess; log: string }): Promise<void> {
  host.server.kill("SIGINT");
  await host.server.exited;
  if (process.env.VTRACE_TEST_VERBOSE) console.log(readFileSync(host.log, "utf8"));
}

async function waitForReport(file: string, want: (lines: string[]) => boolean, timeoutMs: number): Promise<string[]> {
  const until = Date.now() + timeoutMs;
  let lines: string[] = [];
  while (Date.now() < until) {
    if (existsSync(file)) {
      lines = eventLines((await traceCmd(["report", "-i", file])).stdout);
      if (want(lines)) return lines;
    }
    await Bun.sleep(300);
  }
  return lines;
}

describe.skipIf(skip)("record --virt in a real QEMU guest", () => {
  const guests: RunningGuest[] = [];
  afterEach(async () => {
    for (const g of guests.splice(0)) await g[Symbol.asyncDispose]();
  });

  test("guest events, the trace_marker marker included, reach the host file on both guest CPUs", async () => {
    using dir = tempDir("gvirt");
    const host = await hostSide(dir.path, ["g1"]);
    try {
      const marker = `VTRACE-GUEST-MARKER-${process.pid}`;
      const guest = await bootGuest({
        name: "g1",
        cpus: 2,
        fifoDir: `${host.virtDir}/g1`,
        controlSocket: `${host.virtDir}/agent-ctl-path`,
        command: `vtrace record --virt -e sched -e ftrace:print -- ${GUEST_WORK(marker)}`,
        timeoutMs: 240_000,
      });
      guests.push(guest);
      const result = await guest.result(240_000);
      expect(result.guestCode).toBe(0);
      expect(result.console).toContain("the host wrote the file");
      const lines = await waitForReport(`${host.outDir}/trace.g1.dat`, (l) => l.some((x) => x.includes(marker)), 20_000);
      expect(lines.some((l) => l.includes(marker))).toBe(true);
      expect(lines.some((l) => l.includes("[000]"))).toBe(true);
      expect(lines.some((l) => l.includes("[001]"))).toBe(true);
    } finally {
      await stopHost(host);
    }
  }, 300_000);

  test("a guest killed mid-trace leaves a readable partial file", async () => {
    using dir = tempDir("gkill");
    const host = await hostSide(dir.path, ["g2"]);
    try {
      const guest = await bootGuest({
        name: "g2",
        cpus: 2,
        fifoDir: `${host.virtDir}/g2`,
        controlSocket: `${host.virtDir}/agent-ctl-path`,
        command: `vtrace record --virt -e sched -e syscalls -- sh -c 'echo RECORDING; while true; do ls -R / >/dev/null 2>&1; done'`,
        timeoutMs: 240_000,
      });
      guests.push(guest);
      await guest.waitForConsole(/RECORDING\n/, 200_000);
      // Let pages cross, then pull the plug on QEMU.
      await Bun.sleep(3000);
      guest.kill("SIGKILL");
      await guest.exited;
      const lines = await waitForReport(`${host.outDir}/trace.g2.dat`, (l) => l.length > 0, 30_000);
      expect(lines.length).toBeGreaterThan(0);
    } finally {
      await stopHost(host);
    }
  }, 300_000);

  test("two guests at once are served by one virt-server", async () => {
    using dir = tempDir("gtwo");
    const host = await hostSide(dir.path, ["ga", "gb"]);
    try {
      const boot = (name: string) =>
        bootGuest({
          name,
          cpus: 2,
          fifoDir: `${host.virtDir}/${name}`,
          controlSocket: `${host.virtDir}/agent-ctl-path`,
          command: `vtrace record --virt -e sched -e ftrace:print -- ${GUEST_WORK(`MARK-${name}`)}`,
          timeoutMs: 280_000,
        });
      const [a, b] = await Promise.all([boot("ga"), boot("gb")]);
      guests.push(a, b);
      const results = await Promise.all([a.result(280_000), b.result(280_000)]);
      expect(results.map((r) => r.guestCode)).toEqual([0, 0]);
      for (const name of ["ga", "gb"]) {
        const lines = await waitForReport(`${host.outDir}/trace.${name}.dat`, (l) => l.some((x) => x.includes(`MARK-${name}`)), 20_000);
        expect(lines.some((l) => l.includes(`MARK-${name}`))).toBe(true);
      }
    } finally {
      await stopHost(host);
    }
  }, 300_000);
});
