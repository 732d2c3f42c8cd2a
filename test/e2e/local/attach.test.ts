// End to end: `vtrace attach HOST GUEST` on files recorded apart (synthetic, x86-tsc: KVM does not run
// here): the host gets the GUEST option, the guest a TIME_SHIFT from the host's kvm_write_tsc_offset
// events (stepped at each offset change) or from --offset; trace-cmd report then merges the two with
// every guest record at guest TSC − offset, and vtrace report prints what trace-cmd prints.

import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ByteWriter } from "../../../src/lib/writer.ts";
import { TRACECMD_OPTION_TRACEID } from "../../../src/tracedat/model.ts";
import { u64Option } from "../../../src/tracedat/options-encode.ts";
import { missing, run, skipBecause, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { traceCmd } from "../../helpers/tracecmd.ts";
import { KVM_WRITE_TSC_OFFSET, offsetWrite } from "../../helpers/kvm-events.ts";
import { formatFile, v6File } from "../../helpers/v6-file.ts";

const skip = skipBecause(missing({ traceCmd: true, binary: true }), "attach e2e");
const dir = tempDir("attach");
afterAll(() => dir[Symbol.dispose]());

const TICK_ID = 300;
const TICK = formatFile("tick", TICK_ID, "\tfield:int n;\toffset:8;\tsize:4;\tsigned:1;", `"n=%d", REC->n`);

const tick = (ts: bigint, cpu: number, pid: number, n: number) => ({ ts, cpu, payload: new ByteWriter(true, 12).u16(TICK_ID).u8(0).u8(0).i32(pid).i32(n).finish() });

// The guest TSC is the host's plus OFF0, then OFF1 from host TSC CHANGE on (both vCPUs).
const OFF0 = 3_000_000_000n;
const OFF1 = 3_000_500_000n;
const CHANGE = 20_000_000n;
/** Guest ticks at host TSC 10M, 30M, 40M (vCPU 0) and 35M (vCPU 1), written at guest TSC. */
const GUEST_TICKS: [host: bigint, cpu: number, n: number][] = [
  [10_000_000n, 0, 1],
  [30_000_000n, 0, 2],
  [35_000_000n, 1, 3],
  [40_000_000n, 0, 4],
];
const guestTsc = (host: bigint) => host + (host < CHANGE ? OFF0 : OFF1);

function writeFiles(name: string, withKvmEvents: boolean): { host: string; guest: string } {
  const host = join(dir.path, `${name}-host.dat`);
  const guest = join(dir.path, `trace-${name}.dat`);
  const kvm = withKvmEvents ? [offsetWrite(5_000_000n, 501, 0, 0n, OFF0), offsetWrite(5_000_100n, 502, 1, 0n, OFF0), offsetWrite(CHANGE, 501, 0, OFF0, OFF1), offsetWrite(CHANGE, 502, 1, OFF0, OFF1)] : [];
  const hostTicks = [25_000_000n, 45_000_000n].map((ts, i) => tick(ts, 1, 700, 100 + i));
  writeFileSync(host, v6File({ cpus: 2, eventSystems: [{ name: "kvm", formats: [KVM_WRITE_TSC_OFFSET] }, { name: "demo", formats: [TICK] }], options: [u64Option(TRACECMD_OPTION_TRACEID, 11n, true)], records: [...kvm, ...hostTicks] }));
  const ticks = GUEST_TICKS.map(([h, cpu, n]) => tick(guestTsc(h), cpu, 900 + n, n));
  writeFileSync(guest, v6File({ cpus: 2, eventSystems: [{ name: "demo", formats: [TICK] }], options: [u64Option(TRACECMD_OPTION_TRACEID, 22n, true)], records: ticks }));
  return { host, guest };
}

/** The merged report's tick lines as [time, n]: time is the printed (raw TSC) time column. */
async function mergedTicks(host: string, guest: string): Promise<{ text: string; ticks: [bigint, number][] }> {
  const r = await traceCmd(["report", "-i", host, "-i", guest]);
  expect(r.code).toBe(0);
  const ticks = [...r.stdout.matchAll(/\]\s*(\d+): tick: +n=(\d+)/g)].map((m) => [BigInt(m[1]!), Number(m[2])] as [bigint, number]);
  return { text: r.stdout, ticks };
}

describe.skipIf(skip)("vtrace attach (compiled binary, trace-cmd as the reader)", () => {
  test("from kvm_write_tsc_offset events: every guest record at its host TSC, across the offset change", async () => {
    const f = writeFiles("g1", true);
    const r = await run([VTRACE_BIN, "attach", f.host, f.guest, "--vcpus", "501,502"]);
    expect(r).toEqual({ code: 0, stdout: "", stderr: `vtrace attach: ${f.guest} is guest 'g1' of ${f.host}: TSC offset ${OFF1} cycles (from 4 kvm_write_tsc_offset events)\n` });
    const { text, ticks } = await mergedTicks(f.host, f.guest);
    const expected: [bigint, number][] = [...GUEST_TICKS.map(([h, , n]) => [h, n] as [bigint, number]), [25_000_000n, 100], [45_000_000n, 101]];
    expect(ticks).toEqual(expected.sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    expect((await run([VTRACE_BIN, "report", "--name-prefix", "file", "-i", f.host, "-i", f.guest])).stdout).toBe(text);
    // vtrace's own tags: the set is host + g1.
    expect((await run([VTRACE_BIN, "report", "-i", f.host, "-i", f.guest])).stdout).toContain("(g1): ");
  });

  test("--offset (KVM debugfs tsc-offset, negative too): one offset for the whole trace; attaching again replaces the first", async () => {
    const f = writeFiles("g2", false);
    const first = await run([VTRACE_BIN, "attach", f.host, f.guest, "--vcpus", "601,602", "--offset", "-1"]);
    expect(first.stderr).toContain("TSC offset -1 cycles (from the given offset)");
    const r = await run([VTRACE_BIN, "attach", f.host, f.guest, "--vcpus", "601,602", "--offset", String(OFF0)]);
    expect(r.stderr).toBe(`vtrace attach: ${f.guest} is guest 'g2' of ${f.host}: TSC offset ${OFF0} cycles (from the given offset)\n`);
    const { ticks } = await mergedTicks(f.host, f.guest);
    const guestTicks = ticks.filter(([, n]) => n < 100);
    expect(guestTicks).toEqual(GUEST_TICKS.map(([h, , n]) => [guestTsc(h) - OFF0, n]));
    expect((await run([VTRACE_BIN, "dump", "--options", f.host])).stdout.match(/Option GUEST/g)?.length).toBe(1);
  });

  test("bad input: one line, exit 2 (files untouched)", async () => {
    const f = writeFiles("g3", false);
    const before = [readFileSync(f.host), readFileSync(f.guest)];
    const cases: [string[], string][] = [
      [[f.host, f.guest], "vtrace attach: --vcpus TID,... is needed: the host threads that ran the guest's vCPUs"],
      [[f.host, f.guest, "--vcpus", "1,x"], "vtrace attach: invalid --vcpus '1,x': expected thread ids such as 1234,1235"],
      [[f.host, f.guest, "--vcpus", "1", "--offset", "1.5"], "vtrace attach: invalid --offset '1.5': expected TSC cycles (an integer)"],
      [[f.host, f.guest, "--vcpus", "1"], `vtrace attach: ${f.host}: no kvm:kvm_write_tsc_offset events of threads 1: record the host with -e kvm, or give the guest's TSC offset with --offset`],
    ];
    for (const [args, line] of cases) expect(await run([VTRACE_BIN, "attach", ...args])).toEqual({ code: 2, stdout: "", stderr: `${line}\n` });
    const local = join(dir.path, "local.dat");
    writeFileSync(local, v6File({ cpus: 1, clock: "local", options: [u64Option(TRACECMD_OPTION_TRACEID, 5n, true)], records: [] }));
    expect((await run([VTRACE_BIN, "attach", f.host, local, "--vcpus", "1", "--offset", "0"])).stderr).toBe(`vtrace attach: ${local} is recorded with the 'local' clock: attach maps TSC to TSC (record both with -C x86-tsc)\n`);
    const missingFile = await run([VTRACE_BIN, "attach", f.host, join(dir.path, "nope.dat"), "--vcpus", "1"]);
    expect(missingFile).toEqual({ code: 1, stdout: "", stderr: `vtrace attach: cannot open '${join(dir.path, "nope.dat")}': ENOENT\n` });
    expect([readFileSync(f.host), readFileSync(f.guest)]).toEqual(before);
  });
});
