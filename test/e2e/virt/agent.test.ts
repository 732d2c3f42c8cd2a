// Agent mode with two real QEMU guests: one `vtrace record -A` on the host records the host and
// both guests together, twice in a row, without restarting anything.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { startAgentGuests, type AgentGuests } from "../../helpers/agent-guests.ts";
import { guestSupport, type RunningGuest } from "../../helpers/guest.ts";
import { instanceName, missing, run, skipBecause, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { kernelSharkMissing, openInKernelShark } from "../../helpers/kernelshark.ts";
import { eventLines, traceCmd } from "../../helpers/tracecmd.ts";
import { openFileSource } from "../../../src/io/file-source.ts";
import { openTraceDat } from "../../../src/tracedat/reader/open.ts";

const skip = skipBecause(guestSupport() ?? missing({ tracefs: true, traceCmd: true, binary: true }), "agent e2e");

/** gk's agent is killed 2 s after its first session is fully set up, then a fresh agent takes over. */
const KILLED_AGENT =
  "vtrace agent 2>/tmp/agent.log & p=$!; while ! grep -q 'metadata sent' /tmp/agent.log; do sleep 0.2; done; sleep 2; kill -9 $p; echo AGENT-KILLED; vtrace agent";

function firstDifference(a: string, b: string): string {
  const la = a.split("\n");
  const lb = b.split("\n");
  const i = la.findIndex((l, k) => l !== lb[k]);
  return `line ${i + 1}: vtrace '${la[i]}' vs trace-cmd '${lb[i]}'`;
}

function cpusSeen(lines: string[]): Set<string> {
  return new Set(lines.map((l) => /\[(\d{3})\]/.exec(l)?.[1]).filter((c): c is string => c !== undefined));
}

/** Every clock-sync probe of guest ga in order in a merged report: host send < guest stamp < host receive. */
function expectCausalProbes(report: string, tool: string): void {
  const order = [...report.matchAll(/vtrace-sync(?:-(send|recv) ga)? (\d+)/g)].map((m) => `${m[1] ?? "guest"}:${m[2]}`);
  const seqs = new Set(order.map((o) => o.split(":")[1]));
  expect(seqs.size).toBeGreaterThanOrEqual(6);
  for (const seq of seqs) {
    const pos = ["send", "guest", "recv"].map((k) => order.indexOf(`${k}:${seq}`));
    expect({ tool, seq, pos, ordered: pos[0]! < pos[1]! && pos[1]! < pos[2]! }).toMatchObject({ ordered: true });
  }
}

/** The guest − host TSC offset `record -A` measured in the merge test (attach reuses it). */
let mergeOffset = 0n;

describe.skipIf(skip)("agent mode with two QEMU guests", () => {
  const dir = tempDir("agent");
  let set: AgentGuests | undefined;
  let virtDir = "";
  let guests: RunningGuest[] = [];

  beforeAll(async () => {
    mkdirSync(`${dir.path}/out`);
    const specs = [{ name: "ga" }, { name: "gb" }, { name: "gk", command: KILLED_AGENT }];
    set = await startAgentGuests({ dir: dir.path, outDir: `${dir.path}/out`, guests: specs });
    ({ virtDir, guests } = set);
  }, 300_000);

  afterAll(async () => {
    await set?.[Symbol.asyncDispose]();
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

  test("host + two guests merged: GUEST options map every vCPU to its QEMU thread, and vtrace report prints what trace-cmd report prints", async () => {
    const files = ["trace.dat", "trace-ga.dat", "trace-gb.dat"].map((f) => `${dir.path}/s1/${f}`);
    const dump = await traceCmd(["dump", "--options", files[0]!]);
    expect(dump.stdout.match(/^(\d+) \[Guest CPUs\]/gm)).toEqual(["2 [Guest CPUs]", "2 [Guest CPUs]"]);
    const inputs = files.flatMap((f) => ["-i", f]);
    const tc = await traceCmd(["report", ...inputs]);
    const vt = await run([VTRACE_BIN, "report", ...inputs, "--name-prefix", "file"], { timeoutMs: 120_000 });
    expect(tc.stderr).not.toContain("Could not");
    expect(eventLines(tc.stdout).length).toBeGreaterThan(100);
    expect(vt.stdout === tc.stdout ? "same" : firstDifference(vt.stdout, tc.stdout)).toBe("same");
  }, 240_000);

  test("a guest's -e EVENT -f FILTER filters in the guest's kernel; the host's events are not filtered", async () => {
    const out = `${dir.path}/gf/trace.dat`;
    mkdirSync(`${dir.path}/gf`);
    const args = ["-e", "sched:sched_switch", "-A", "ga", "-e", "sched:sched_switch", "-f", "prev_pid == 0", "-e", "sched:sched_wakeup"];
    const r = await run([VTRACE_BIN, "record", "-B", instanceName("gf"), ...args, "-o", out, "--virt-dir", virtDir, "--", "sleep", "1"], { timeoutMs: 180_000 });
    expect(r.code).toBe(0);
    const switches = async (file: string) => eventLines((await traceCmd(["report", "-i", file])).stdout).filter((l) => l.includes(" sched_switch: "));
    const [guest, host] = [await switches(`${dir.path}/gf/trace-ga.dat`), await switches(out)];
    expect(guest.length).toBeGreaterThan(0);
    expect(guest.filter((l) => !/sched_switch:\s+swapper\/\d+:0 /.test(l))).toEqual([]);
    expect(host.some((l) => !/sched_switch:\s+swapper\/\d+:0 /.test(l))).toBe(true);
  }, 240_000);

  test("KernelShark opens the host file with both guest files appended (-a)", async () => {
    const why = kernelSharkMissing();
    if (why) return void console.warn(`skip KernelShark host + guests: ${why}`);
    const [host, ...guestFiles] = ["trace.dat", "trace-ga.dat", "trace-gb.dat"].map((f) => `${dir.path}/s1/${f}`);
    expect(await openInKernelShark(host!, 60_000, guestFiles)).toEqual({ loaded: true });
  }, 120_000);

  test("merge (host and guest files v7 zstd): host and guest files on one timeline, every clock-sync ping/pong in causal order (trace-cmd and vtrace report)", async () => {
    const out = `${dir.path}/m1/trace.dat`;
    mkdirSync(`${dir.path}/m1`);
    const r = await run([VTRACE_BIN, "record", "-B", instanceName("merge"), "-e", "sched", "--file-version", "7", "-A", "ga", "-e", "sched", "-o", out, "--virt-dir", virtDir, "--", "sleep", "1"], { timeoutMs: 180_000 });
    expect(r.code).toBe(0);
    const bound = /guest ga, clock offset (-?\d+) ± (\d+) cycles \((\d+) probes\)/.exec(r.stderr);
    expect(bound).not.toBeNull();
    mergeOffset = BigInt(bound![1]!);
    console.log(`merge: clock offset ${bound![1]} ± ${bound![2]} cycles from ${bound![3]} probes`);
    const guestFile = `${dir.path}/m1/trace-ga.dat`;
    expect(readFileSync(out).subarray(10, 12).toString()).toBe("7\0");
    // The guest streamed v6 pages; its file is rewritten as v7 zstd once closed.
    expect(readFileSync(guestFile).subarray(10, 12).toString()).toBe("7\0");
    expect(readFileSync(guestFile).subarray(18, 23).toString()).toBe("zstd\0");
    for (const tool of [["trace-cmd", "report"], [VTRACE_BIN, "report"]]) {
      const rep = await run([...tool, "-i", out, "-i", guestFile], { timeoutMs: 120_000 });
      expect(rep.code).toBe(0);
      if (tool[0] === VTRACE_BIN) {
        expect([rep.stdout.includes("(host): "), rep.stdout.includes("(ga): ")]).toEqual([true, true]);
        // Host lines of ga's vCPU threads (QEMU names them "CPU N/TCG") end with "(ga vCPU N)", the same N.
        const noted = rep.stdout.split("\n").flatMap((l) => {
          const m = /CPU (\d+)\/TCG-\d+ .* \(ga vCPU (\d+)\)$/.exec(l);
          return m ? [[m[1], m[2]]] : [];
        });
        expect(noted.length).toBeGreaterThan(0);
        expect(noted.filter(([thread, note]) => thread !== note)).toEqual([]);
      }
      expectCausalProbes(rep.stdout, tool[0]!);
    }
  }, 240_000);

  test("attach: the same guest file put on host time again from the measured offset alone (--offset) merges in causal order", async () => {
    const out = `${dir.path}/m1/trace.dat`;
    const guestFile = `${dir.path}/m1/trace-ga.dat`;
    if (!existsSync(guestFile)) throw new Error("needs the files of the merge test above");
    using src = openFileSource(out);
    const tids = [...openTraceDat(src).options.guests.find((g) => g.name === "ga")!.hostTids.entries()].sort((a, b) => a[0] - b[0]).map(([, tid]) => tid);
    const r = await run([VTRACE_BIN, "attach", out, guestFile, "--name", "ga", "--vcpus", tids.join(","), "--offset", String(mergeOffset)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`TSC offset ${mergeOffset} cycles (from the given offset)`);
    for (const tool of [["trace-cmd", "report"], [VTRACE_BIN, "report"]]) {
      const rep = await run([...tool, "-i", out, "-i", guestFile], { timeoutMs: 120_000 });
      expect(rep.code).toBe(0);
      expectCausalProbes(rep.stdout, tool[0]!);
    }
  }, 120_000);

  test("faults: an agent killed mid-session, a guest with no agent; files stay readable and the next session works", async () => {
    const out = `${dir.path}/f1/trace.dat`;
    mkdirSync(`${dir.path}/f1`);
    const r = await run(
      [VTRACE_BIN, "record", "-B", instanceName("fault"), "-e", "sched", "-A", "gk", "-e", "sched", "-A", "nosuch", "-e", "sched", "-A", "ga", "-e", "sched", "-o", out, "--virt-dir", virtDir, "--", "sleep", "6"],
      { timeoutMs: 180_000 },
    );
    // Everything that could be written is, and the run still fails: a guest asked for is missing.
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("guest nosuch: no agent answers for guest 'nosuch'");
    expect(r.stderr).toMatch(/^vtrace record: [12] of 3 guests not recorded: .*nosuch \(no agent answers for guest 'nosuch'/m);
    for (const file of [out, `${dir.path}/f1/trace-ga.dat`, `${dir.path}/f1/trace-gk.dat`]) {
      expect({ file, code: (await traceCmd(["report", "-i", file])).code }).toEqual({ file, code: 0 });
    }
    await guests[2]!.waitForConsole(/AGENT-KILLED\n/, 60_000);
    // The fresh agent in gk serves the next session.
    const until = Date.now() + 120_000;
    while (!/^gk\s.*agent ready/m.test((await run([VTRACE_BIN, "list-guests", "--dir", virtDir])).stdout)) {
      if (Date.now() > until) throw new Error("gk's new agent did not connect");
      await Bun.sleep(500);
    }
    const out2 = `${dir.path}/f2/trace.dat`;
    mkdirSync(`${dir.path}/f2`);
    const r2 = await run([VTRACE_BIN, "record", "-B", instanceName("fault2"), "-e", "sched", "-A", "gk", "-e", "sched", "-o", out2, "--virt-dir", virtDir, "--", "sleep", "2"], { timeoutMs: 180_000 });
    expect(r2.code).toBe(0);
    expect(eventLines((await traceCmd(["report", "-i", `${dir.path}/f2/trace-gk.dat`])).stdout).length).toBeGreaterThan(0);
  }, 400_000);

  test("SIGINT to the host command: every file is written and readable", async () => {
    const out = `${dir.path}/i1/trace.dat`;
    mkdirSync(`${dir.path}/i1`);
    const rec = Bun.spawn([VTRACE_BIN, "record", "-B", instanceName("sigint"), "-e", "sched", "-A", "gb", "-e", "sched", "-o", out, "--virt-dir", virtDir], { stderr: "pipe", stdout: "ignore" });
    const until = Date.now() + 60_000;
    while (!existsSync(`${out}.cpu0`)) {
      if (Date.now() > until) throw new Error("host recording did not start");
      await Bun.sleep(50);
    }
    await Bun.sleep(2000);
    rec.kill("SIGINT");
    expect(await rec.exited).toBe(0);
    const stderr = await new Response(rec.stderr).text();
    expect(stderr).toContain("stopped by SIGINT");
    for (const file of [out, `${dir.path}/i1/trace-gb.dat`]) {
      expect({ file, code: (await traceCmd(["report", "-i", file])).code }).toEqual({ file, code: 0 });
    }
  }, 200_000);

  test("the agents survive a virt-server restart and serve the next session", async () => {
    await set!.restartServer();
    const until = Date.now() + 60_000;
    while (!/^ga\s/m.test((await run([VTRACE_BIN, "list-guests", "--dir", virtDir])).stdout)) {
      if (Date.now() > until) throw new Error("ga did not re-announce itself to the new server");
      await Bun.sleep(300);
    }
    const out = `${dir.path}/r1/trace.dat`;
    mkdirSync(`${dir.path}/r1`);
    const r = await run([VTRACE_BIN, "record", "-B", instanceName("restart"), "-e", "sched", "-A", "ga", "-e", "sched", "-o", out, "--virt-dir", virtDir, "--", "sleep", "1"], { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    expect((await traceCmd(["report", "-i", `${dir.path}/r1/trace-ga.dat`])).code).toBe(0);
  }, 200_000);
});
