// Agent mode with two real QEMU guests: one `vtrace record -A` on the host records the host and
// both guests together, twice in a row, without restarting anything.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { bootGuest, guestSupport, type RunningGuest } from "../../helpers/guest.ts";
import { instanceName, missing, run, skipBecause, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { eventLines, traceCmd } from "../../helpers/tracecmd.ts";

const skip = skipBecause(guestSupport() ?? missing({ tracefs: true, traceCmd: true, binary: true }), "agent e2e");

function cpusSeen(lines: string[]): Set<string> {
  return new Set(lines.map((l) => /\[(\d{3})\]/.exec(l)?.[1]).filter((c): c is string => c !== undefined));
}

describe.skipIf(skip)("agent mode with two QEMU guests", () => {
  const dir = tempDir("agent");
  const virtDir = `${dir.path}/virt`;
  let server: Bun.Subprocess<"ignore", "ignore", "pipe">;
  const guests: RunningGuest[] = [];

  beforeAll(async () => {
    mkdirSync(`${dir.path}/out`);
    for (const g of ["ga", "gb"]) expect((await run([VTRACE_BIN, "setup-guest", g, "--cpus", "2", "--dir", virtDir])).code).toBe(0);
    server = Bun.spawn([VTRACE_BIN, "virt-server", "--dir", virtDir, "-d", `${dir.path}/out`, "-l", `${dir.path}/server.log`], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    while (!existsSync(`${virtDir}/vtrace-ctl`)) await Bun.sleep(20);
    for (const name of ["ga", "gb"]) {
      guests.push(
        await bootGuest({ name, cpus: 2, fifoDir: `${virtDir}/${name}`, controlSocket: `${virtDir}/agent-ctl-path`, command: "vtrace agent", timeoutMs: 600_000 }),
      );
    }
    const until = Date.now() + 240_000;
    for (;;) {
      const r = await run([VTRACE_BIN, "list-guests", "--dir", virtDir]);
      if (/^ga\s/m.test(r.stdout) && /^gb\s/m.test(r.stdout)) break;
      if (Date.now() > until) throw new Error(`agents did not connect: ${r.stdout}${r.stderr}`);
      await Bun.sleep(500);
    }
  }, 300_000);

  afterAll(async () => {
    for (const g of guests) await g[Symbol.asyncDispose]();
    server?.kill("SIGINT");
    await server?.exited;
    dir[Symbol.dispose]();
  });

  for (const round of [1, 2]) {
    test(`session ${round}: host + ga + gb files, each readable, each with events from every CPU`, async () => {
      const out = `${dir.path}/s${round}/trace.dat`;
      mkdirSync(`${dir.path}/s${round}`);
      const r = await run(
        [VTRACE_BIN, "record", "-B", instanceName("agent"), "-e", "sched", "-A", "ga", "-e", "sched", "-A", "gb", "-e", "sched", "-o", out, "--virt-dir", virtDir, "--", "sh", "-c", "ls -R /usr >/dev/null; sleep 2"],
        { timeoutMs: 180_000 },
      );
      expect(r.stderr).toContain(`wrote ${out}`);
      expect(r.code).toBe(0);
      for (const file of [out, `${dir.path}/s${round}/trace-ga.dat`, `${dir.path}/s${round}/trace-gb.dat`]) {
        const rep = await traceCmd(["report", "-i", file]);
        expect({ file, stderr: rep.stderr.match(/error|failed/i) }).toEqual({ file, stderr: null });
        expect({ file, cpus: [...cpusSeen(eventLines(rep.stdout))].sort() }).toEqual({ file, cpus: ["000", "001"] });
      }
    }, 240_000);
  }
});
