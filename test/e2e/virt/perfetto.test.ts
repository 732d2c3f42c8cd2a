// `vtrace report --format perfetto` on real recordings, checked against the Chrome trace-event
// format (perfetto-validator.ts) and against `vtrace report -t`: every text line has its event on
// the same machine and CPU at the same time (ns → µs), every switch-in opens exactly one slice.
// One local file (an ftrace instance), and one host + guest set from a 2-vCPU QEMU TCG guest.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { startAgentGuests, type AgentGuests } from "../../helpers/agent-guests.ts";
import { guestSupport } from "../../helpers/guest.ts";
import { instanceName, missing, run, skipBecause, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { checkChromeTrace, hasNear, indexByTrack, type CheckedTrace } from "../../unit/export/perfetto-validator.ts";

const skipLocal = skipBecause(missing({ tracefs: true, binary: true }), "perfetto export e2e (local)");
const skipGuest = skipBecause(guestSupport() ?? missing({ tracefs: true, binary: true }), "perfetto export e2e (host + guest)");

/** One `report -t` line: optional (machine) tag, comm-pid, [cpu], ns (or clock ticks: "%12llu", no space left by 16 digits), event name, info. */
const LINE = /^(?:\s*\((\S+)\):)?\s*(.*)-(\d+)\s+\[(\d+)\]\s*(\d+)(?:\.(\d{9}))?: ([\w-]+):\s*(.*)$/;

interface TextRecord {
  tag?: string;
  cpu: number;
  ns: bigint;
  event: string;
  info: string;
}

function parseReport(text: string): TextRecord[] {
  const records: TextRecord[] = [];
  for (const line of text.split("\n")) {
    const m = LINE.exec(line);
    if (!m) continue;
    const ns = m[6] === undefined ? BigInt(m[5]!) : BigInt(m[5]!) * 1_000_000_000n + BigInt(m[6]);
    records.push({ tag: m[1], cpu: Number(m[4]), ns, event: m[7]!, info: m[8]! });
  }
  return records;
}

/** The pid and CPU track tids of a machine, by the names the export gives them. */
function machineTracks(t: CheckedTrace, processName: RegExp): { pid: number; tidOfCpu: Map<number, number> } {
  const pid = [...t.processNames].find(([, name]) => processName.test(name))?.[0];
  expect({ processName: String(processName), found: pid !== undefined }).toEqual({ processName: String(processName), found: true });
  const tidOfCpu = new Map<number, number>();
  for (const [key, name] of t.threadNames) {
    const [p, tid] = key.split("/").map(Number);
    const m = /^v?CPU (\d+)(?: \(host tid \d+\))?$/.exec(name);
    if (p === pid && m) tidOfCpu.set(Number(m[1]), tid!);
  }
  return { pid: pid!, tidOfCpu };
}

/**
 * Every text record has its JSON event: an instant of the same name, or for a switch to a task a
 * slice named comm-pid starting then; at the same machine and CPU and the same time in µs.
 * Counts must match too: no extra instants, one slice per switch-in.
 */
function expectSameRecords(t: CheckedTrace, records: TextRecord[], machines: Map<string | undefined, { pid: number; tidOfCpu: Map<number, number> }>): void {
  const instants = indexByTrack(t.events, "i");
  const slices = indexByTrack(t.events, "X");
  let switchIns = 0;
  const missingEvents: string[] = [];
  for (const r of records) {
    const m = machines.get(r.tag)!;
    const tid = m.tidOfCpu.get(r.cpu);
    const us = Number(r.ns) / 1000;
    const tolerance = 0.0005 + Math.abs(us) * 2 ** -51;
    let key = `${m.pid}/${tid}/${r.event}`;
    let index = instants;
    if (r.event === "sched_switch") {
      const next = /==> (.*):(\d+) \[/.exec(r.info);
      if (!next || next[2] === "0") continue;
      switchIns++;
      key = `${m.pid}/${tid}/${next[1]}-${next[2]}`;
      index = slices;
    }
    if (!hasNear(index.get(key), us, tolerance) && missingEvents.length < 5) missingEvents.push(`${key} at ${us} µs (${r.ns} ns): ${r.info}`);
  }
  expect(missingEvents).toEqual([]);
  const cpuTids = new Set([...machines.values()].flatMap((m) => [...m.tidOfCpu.values()]));
  const exported = t.events.filter((e) => cpuTids.has(e.tid));
  expect({
    instants: exported.filter((e) => e.ph === "i" && e.name !== "lost events").length,
    slices: exported.filter((e) => e.ph === "X").length,
  }).toEqual({ instants: records.filter((r) => r.event !== "sched_switch").length, slices: switchIns });
}

async function exportAndCheck(inputs: string[]): Promise<{ trace: CheckedTrace; records: TextRecord[] }> {
  const args = inputs.flatMap((i) => ["-i", i]);
  const [json, text] = await Promise.all([
    run([VTRACE_BIN, "report", "--format", "perfetto", ...args], { timeoutMs: 120_000 }),
    run([VTRACE_BIN, "report", "-t", ...args], { timeoutMs: 120_000 }),
  ]);
  expect({ code: json.code, stderr: json.stderr }).toEqual({ code: 0, stderr: "" });
  expect(text.code).toBe(0);
  const trace = checkChromeTrace(json.stdout);
  expect(trace.problems).toEqual([]);
  const records = parseReport(text.stdout);
  expect(records.length).toBeGreaterThan(50);
  return { trace, records };
}

describe.skipIf(skipLocal)("report --format perfetto on a local recording", () => {
  const dir = tempDir("perfetto-local");
  const file = `${dir.path}/t.dat`;

  beforeAll(async () => {
    const r = await run([VTRACE_BIN, "record", "-B", instanceName("perfetto"), "-e", "sched", "-o", file, "--", "sh", "-c", "ls -R /usr/lib > /dev/null; sleep 0.2"], { timeoutMs: 60_000 });
    expect({ code: r.code, wrote: r.stderr.includes(`wrote ${file}`) }).toEqual({ code: 0, wrote: true });
  }, 90_000);
  afterAll(() => dir[Symbol.dispose]());

  test("valid Chrome trace JSON: one process named after the file, a named track per CPU, the text report's records at its times", async () => {
    const { trace, records } = await exportAndCheck([file]);
    expect([...trace.processNames.values()]).toEqual([file]);
    const machine = machineTracks(trace, /^\//);
    const cpus = Number((await run(["nproc"])).stdout.trim());
    expect([...machine.tidOfCpu.keys()].sort()).toEqual(Array.from({ length: cpus }, (_, i) => i));
    expectSameRecords(trace, records, new Map([[undefined, machine]]));
  }, 120_000);

  test.each([
    [["--format", "xml", "-i", "t.dat"], 2, "vtrace report: invalid --format 'xml': use 'text' or 'perfetto'"],
    [["--format", "perfetto", "-i", "/nonexistent/t.dat"], 1, "vtrace report: cannot open '/nonexistent/t.dat': ENOENT"],
  ])("bad input %p: one line on stderr, exit %p, no stack", async (args, code, line) => {
    const r = await run([VTRACE_BIN, "report", ...args]);
    expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ code, stderr: `${line}\n`, stdout: "" });
  });

  test("a file cut inside its event data: complete JSON of what was readable, then one error line and exit 1", async () => {
    const bytes = await Bun.file(file).bytes();
    const cut = `${dir.path}/cut.dat`;
    await Bun.write(cut, bytes.subarray(0, bytes.length - 3000));
    const r = await run([VTRACE_BIN, "report", "--format", "perfetto", "-i", cut]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^vtrace report: .*cut\.dat.*cannot read/);
    const trace = checkChromeTrace(r.stdout);
    expect(trace.problems).toEqual([]);
    expect(trace.events.filter((e) => e.ph === "i").length).toBeGreaterThan(10);
  });
});

describe.skipIf(skipGuest)("report --format perfetto on a host + guest set (QEMU TCG guest, 2 vCPUs)", () => {
  const dir = tempDir("perfetto-virt");
  const out = `${dir.path}/out/trace.dat`;
  const guestFile = `${dir.path}/out/trace-ga.dat`;
  let set: AgentGuests | undefined;

  beforeAll(async () => {
    mkdirSync(`${dir.path}/out`);
    set = await startAgentGuests({ dir: dir.path, outDir: `${dir.path}/out`, guests: [{ name: "ga" }], bootTimeoutMs: 300_000 });
    const virtDir = set.virtDir;
    const r = await run([VTRACE_BIN, "record", "-B", instanceName("perfetto-host"), "-e", "sched", "-A", "ga", "-e", "sched", "-o", out, "--virt-dir", virtDir, "--", "sleep", "1"], {
      timeoutMs: 120_000,
    });
    expect({ code: r.code, host: existsSync(out), guest: existsSync(guestFile) }).toEqual({ code: 0, host: true, guest: true });
  }, 240_000);

  afterAll(async () => {
    await set?.[Symbol.asyncDispose]();
    dir[Symbol.dispose]();
  });

  test("valid Chrome trace JSON; host and guest processes, CPU and vCPU tracks named; every text report record at its (shifted) time", async () => {
    const { trace, records } = await exportAndCheck([out, guestFile]);
    const host = machineTracks(trace, /^host \(/);
    const ga = machineTracks(trace, /^guest ga \(/);
    expect(trace.processNames.size).toBe(2);
    const hostCpus = Number((await run(["nproc"])).stdout.trim());
    expect([...host.tidOfCpu.keys()].sort()).toEqual(Array.from({ length: hostCpus }, (_, i) => i));
    expect([...ga.tidOfCpu.keys()].sort()).toEqual([0, 1]);
    expect(new Set(records.map((r) => r.tag))).toEqual(new Set(["host", "ga"]));
    expect(records.filter((r) => r.tag === "ga").length).toBeGreaterThan(10);
    expectSameRecords(
      trace,
      records,
      new Map([
        ["host", host],
        ["ga", ga],
      ]),
    );
  }, 120_000);

  test("each guest vCPU track names the host thread that runs it, which has its own track of when it ran on a host CPU", async () => {
    const r = await run([VTRACE_BIN, "report", "--format", "perfetto", "-i", out, "-i", guestFile], { timeoutMs: 120_000 });
    const trace = checkChromeTrace(r.stdout);
    const names = [...trace.threadNames.values()];
    const vcpuTids = [0, 1].map((v) => Number(names.map((n) => new RegExp(`^vCPU ${v} \\(host tid (\\d+)\\)$`).exec(n)?.[1]).find((x) => x !== undefined)));
    expect(vcpuTids.every((tid) => tid > 0)).toBe(true);
    for (const [v, tid] of vcpuTids.entries()) expect(names).toContain(`tid ${tid} (ga vCPU ${v})`);
    // QEMU's vCPU threads ran during the recording: the host saw them switched in, on its CPU tracks and on theirs.
    const threadTracks = new Set([...trace.threadNames].filter(([, n]) => /^tid \d+ \(ga vCPU/.test(n)).map(([k]) => k));
    const ran = trace.events.filter((e) => e.ph === "X" && threadTracks.has(`${e.pid}/${e.tid}`));
    expect(ran.length).toBeGreaterThan(0);
    expect(ran.every((e) => /^CPU \d+$/.test(e.name))).toBe(true);
    // (Slices of the vCPU state tracks, category "vcpu", may end in a tid too: "preempted: CPU 1 ran CPU 0/TCG-1234".)
    const onCpus = trace.events.filter((e) => e.ph === "X" && e.cat === "sched" && vcpuTids.some((tid) => e.name.endsWith(`-${tid}`)));
    expect(onCpus.length).toBe(ran.length);
  }, 120_000);

  test("each guest vCPU has a track of its host thread's states (running, preempted by whom, halted) that adds up as vcpu-stat counts it", async () => {
    const [json, stat] = await Promise.all([
      run([VTRACE_BIN, "report", "--format", "perfetto", "-i", out, "-i", guestFile], { timeoutMs: 120_000 }),
      run([VTRACE_BIN, "vcpu-stat", "--json", "-i", out, "-i", guestFile], { timeoutMs: 120_000 }),
    ]);
    expect({ json: json.code, stat: stat.code, stderr: stat.stderr }).toEqual({ json: 0, stat: 0, stderr: "" });
    const trace = checkChromeTrace(json.stdout);
    expect(trace.problems).toEqual([]);
    const ga = machineTracks(trace, /^guest ga \(/);
    const vcpus = (JSON.parse(stat.stdout) as { guests: { vcpus: { vcpu: number; host_tid: number; running_ns: number; preempted_ns: number; halted_ns: number }[] }[] }).guests[0]!.vcpus;
    expect(vcpus.map((v) => v.vcpu)).toEqual([0, 1]);
    for (const v of vcpus) {
      const key = [...trace.threadNames].find(([, n]) => n === `vCPU ${v.vcpu} on the host (tid ${v.host_tid})`)?.[0];
      expect({ vcpu: v.vcpu, track: key?.startsWith(`${ga.pid}/`) }).toEqual({ vcpu: v.vcpu, track: true });
      const slices = trace.events.filter((e) => e.ph === "X" && `${e.pid}/${e.tid}` === key);
      expect(slices.length).toBeGreaterThan(0);
      const odd = slices.filter((e) => !/^(running on CPU \d+|preempted: (CPU \d+ ran .+-\d+|waiting for CPU \d+)|halted|hypervisor: .+)$/.test(e.name));
      expect(odd.map((e) => e.name)).toEqual([]);
      // Slice times are µs with the ns as decimals: the sums are vcpu-stat's ns, up to 1 ns per slice.
      const total = (state: string) => {
        const mine = slices.filter((e) => e.args?.state === state);
        return { ns: mine.reduce((n, e) => n + Math.round(e.dur! * 1000), 0), slack: mine.length };
      };
      for (const [state, ns] of [["running", v.running_ns], ["preempted", v.preempted_ns], ["halted", v.halted_ns]] as const) {
        const t = total(state);
        expect({ vcpu: v.vcpu, state, close: Math.abs(t.ns - ns) <= t.slack }).toEqual({ vcpu: v.vcpu, state, close: true });
      }
    }
  }, 120_000);
});
