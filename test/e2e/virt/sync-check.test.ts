// Periodic clock sync and `vtrace sync-check` with one real QEMU guest running the agent: a session
// with --sync-interval 1 gets TIME_SHIFT samples from the middle of the session, sync-check finds
// every causal pair in order (and trace-cmd's merged report agrees), and a shifted guest is caught.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { openFileSource } from "../../../src/io/file-source.ts";
import { openTraceDat } from "../../../src/tracedat/reader/open.ts";
import { startAgentGuests, type AgentGuests } from "../../helpers/agent-guests.ts";
import { guestSupport } from "../../helpers/guest.ts";
import { instanceName, missing, run, skipBecause, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { traceCmd } from "../../helpers/tracecmd.ts";

const skip = skipBecause(guestSupport() ?? missing({ tracefs: true, traceCmd: true, binary: true }), "sync-check e2e");

/** TIME_SHIFT samples of vCPU 0 without the two that hold the ends flat (times 0 and 2^63 - 1). */
function measuredShiftTimes(guestFile: string): bigint[] {
  using src = openFileSource(guestFile);
  const samples = openTraceDat(src).options.timeShift?.cpus[0] ?? [];
  return samples.map((s) => s.time).filter((t) => t !== 0n && t !== (1n << 63n) - 1n);
}

/** A copy of the guest file whose TIME_SHIFT offsets are all off by `delta` (found by the host trace id it names). */
function tamperTimeShift(guestFile: string, hostTraceId: bigint, delta: bigint, out: string): void {
  const bytes = new Uint8Array(readFileSync(guestFile));
  const id = new Uint8Array(new BigUint64Array([hostTraceId]).buffer);
  const dv = new DataView(bytes.buffer);
  let at = -1;
  for (let i = 6; i + 8 <= bytes.length && at < 0; i++) {
    if (dv.getUint16(i - 6, true) === 12 && id.every((b, k) => bytes[i + k] === b)) at = i; // option id 12 = TIME_SHIFT
  }
  if (at < 0) throw new Error("no TIME_SHIFT option for this host in the guest file");
  const cpus = dv.getUint32(at + 12, true); // after the u64 host trace id and the u32 flags
  let p = at + 16;
  for (let cpu = 0; cpu < cpus; cpu++) {
    const n = dv.getUint32(p, true);
    const offsets = p + 4 + n * 8;
    for (let k = 0; k < n; k++) dv.setBigInt64(offsets + k * 8, dv.getBigInt64(offsets + k * 8, true) + delta, true);
    p += 4 + n * 24;
  }
  writeFileSync(out, bytes);
}

describe.skipIf(skip)("sync-check with a QEMU guest agent", () => {
  const dir = tempDir("sync-check");
  const virtDir = `${dir.path}/virt`;
  const host = `${dir.path}/out/trace.dat`;
  const guestFile = `${dir.path}/out/trace-g1.dat`;
  let set: AgentGuests | undefined;
  let record: Awaited<ReturnType<typeof run>>;

  beforeAll(async () => {
    mkdirSync(`${dir.path}/out`);
    set = await startAgentGuests({ dir: dir.path, outDir: `${dir.path}/out`, guests: [{ name: "g1" }] });
    record = await run(
      [VTRACE_BIN, "record", "-B", instanceName("sync"), "-e", "sched", "-A", "g1", "-e", "sched", "--sync-interval", "1", "-o", host, "--virt-dir", virtDir, "--", "sleep", "3"],
      { timeoutMs: 120_000 },
    );
  }, 300_000);

  afterAll(async () => {
    await set?.[Symbol.asyncDispose]();
    dir[Symbol.dispose]();
  });

  test("record --sync-interval 1: TIME_SHIFT has samples from the middle of the session, not just start and end", () => {
    expect({ code: record.code, stderr: record.stderr.match(/error|failed/i) }).toEqual({ code: 0, stderr: null });
    expect(record.stderr).toMatch(/wrote .*trace-g1\.dat \(guest g1, clock offset -?\d+ ± \d+ cycles \(\d+ probes\)\)/);
    const times = measuredShiftTimes(guestFile);
    expect(times.length).toBeGreaterThanOrEqual(4); // start, ~1 s, ~2 s (, ~3 s), end
  });

  test("sync-check: the error bound per guest and 0 of N pairs out of order (N >= probes)", async () => {
    const r = await run([VTRACE_BIN, "sync-check", "-i", host, "-i", guestFile]);
    console.log(r.stdout);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    const bound = /g1: offset (-?\d+) ± (\d+) cycles \((?:± (\d+) ns|ns unknown[^)]*)\) from (\d+) probes, the best of (\d+) rounds/.exec(r.stdout);
    expect(bound).not.toBeNull();
    // ± 0.25-0.45 ms on these TCG guests on a quiet machine, ± 0.8-1 ms beside a CPU-heavy test
    // (a TCG vCPU waits for a host CPU); before the agent's arrival and reply stamps, ± 1.1-2.5 ms.
    if (bound![3] !== undefined) expect(Number(bound![3])).toBeLessThanOrEqual(1_500_000);
    const probes = Number(bound![4]);
    expect(Number(bound![5])).toBeGreaterThanOrEqual(4);
    const total = /^0 of (\d+) pairs out of order$/m.exec(r.stdout);
    expect(total).not.toBeNull();
    expect(Number(total![1])).toBeGreaterThanOrEqual(probes);
    expect(r.stdout).toContain("g1 virtio port: not checked (record syscalls:sys_enter_write and syscalls:sys_exit_read on the host)");
  }, 60_000);

  test("trace-cmd report -i trace.dat -i trace-g1.dat keeps every ping/pong in order", async () => {
    const rep = await traceCmd(["report", "-i", host, "-i", guestFile]);
    expect(rep.code).toBe(0);
    const order = [...rep.stdout.matchAll(/vtrace-sync(?:-(send|recv) g1)? (\d+)/g)].map((m) => `${m[1] ?? "guest"}:${m[2]}`);
    const seqs = new Set(order.map((o) => o.split(":")[1]));
    expect(seqs.size).toBeGreaterThanOrEqual(18); // 6 probes a round, at least 3 rounds
    for (const seq of seqs) {
      const pos = ["send", "guest", "recv"].map((k) => order.indexOf(`${k}:${seq}`));
      expect({ seq, pos, ordered: pos[0]! < pos[1]! && pos[1]! < pos[2]! }).toMatchObject({ ordered: true });
    }
  }, 120_000);

  test("sync-check --guest-offset: guest events moved past the receive (or before the send) are each counted, exit 1", async () => {
    const ok = await run([VTRACE_BIN, "sync-check", "-i", host, "-i", guestFile]);
    const probes = Number(/from (\d+) probes/.exec(ok.stdout)![1]);
    // Later: every guest stamp after the host's receive; earlier: before the host's send.
    for (const offset of ["10000000000", "-10000000000"]) {
      const r = await run([VTRACE_BIN, "sync-check", "-i", host, "-i", guestFile, `--guest-offset=${offset}`]);
      expect({ offset, code: r.code, stderr: r.stderr }).toEqual({ offset, code: 1, stderr: `vtrace sync-check: ${probes} of ${probes * 2} pairs out of order on the merged timeline\n` });
      expect(r.stdout).toContain(`\n${probes} of ${probes * 2} pairs out of order\n`);
    }
  }, 60_000);

  test("sync-check with the host's syscalls: virtio-port pairs, tighter than the markers' own", async () => {
    const out = `${dir.path}/ports/trace.dat`;
    mkdirSync(`${dir.path}/ports`);
    // The virt-server's write of each probe and its read of each reply are host syscalls.
    const rec = await run(
      [VTRACE_BIN, "record", "-B", instanceName("ports"), "-e", "syscalls:sys_enter_write", "-e", "syscalls:sys_exit_read", "-A", "g1", "-e", "sched", "--sync-interval", "0.5",
        "-o", out, "--virt-dir", virtDir, "--", "sleep", "1"],
      { timeoutMs: 120_000 },
    );
    expect(rec.code).toBe(0);
    const r = await run([VTRACE_BIN, "sync-check", "-i", out, "-i", `${dir.path}/ports/trace-g1.dat`]);
    console.log(r.stdout);
    // On failure this shows why: sync-check's error and the recording's own lines.
    expect({ report: r.stdout.includes(" probes"), stderr: r.stderr, record: rec.stderr }).toMatchObject({ report: true, stderr: r.code === 1 ? expect.any(String) : "" });
    const probes = Number(/from (\d+) probes/.exec(r.stdout)![1]);
    const margin = (what: string) => /(\d+) of (\d+) out of order, smallest margin (-?\d+) (?:ns|cycles)/.exec(r.stdout.split("\n").find((l) => l.includes(what)) ?? "");
    const [markers, toGuest, toHost] = ["g1 sync probes", "g1 virtio port, host to guest", "g1 virtio port, guest to host"].map(margin);
    expect([toGuest && Number(toGuest[2]), toHost && Number(toHost[2])]).toEqual([probes, probes]);
    // Both port pairs are found for every probe, and each is in order (an independent check of
    // the markers: the probe's write follows its send marker, the reply's read follows its arrival).
    expect([Number(toGuest![1]), Number(toHost![1]), Number(markers![1])]).toEqual([0, 0, 0]);
    const outOfOrder = Number(/^(\d+) of \d+ pairs out of order$/m.exec(r.stdout)![1]);
    expect(r.code).toBe(outOfOrder === 0 ? 0 : 1);
  }, 120_000);

  test("sync-check on a guest file whose TIME_SHIFT is off: out of order, exit 1", async () => {
    using src = openFileSource(host);
    const tampered = `${dir.path}/out/trace-g1-tampered.dat`;
    tamperTimeShift(guestFile, openTraceDat(src).options.traceId!, 10_000_000_000n, tampered);
    const r = await run([VTRACE_BIN, "sync-check", "-i", host, "-i", tampered]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^vtrace sync-check: [1-9]\d* of \d+ pairs out of order on the merged timeline\n$/);
    expect(r.stdout).toMatch(/out of order: g1 probe \d+: host arrival of the reply to g1 \d+ at \d+ is not after guest vtrace-sync \d+/);
  }, 60_000);
});
