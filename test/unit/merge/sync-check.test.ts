// sync-check on synthetic host + guest sets: probe rounds → TIME_SHIFT samples, and the causal
// pairs counted on the merged timeline, in order and deliberately out of order. The byte-level
// files are whole v6 trace.dat files (ftrace:print and two syscalls formats, one event per page).

import { describe, expect, test } from "bun:test";
import type { HandshakeSample } from "../../../src/merge/clock-map.ts";
import { formatSyncCheck } from "../../../src/merge/sync-check-text.ts";
import { checkSync, readSyncSet, type SyncEvent, type SyncSet } from "../../../src/merge/sync-check.ts";
import { probeRounds, roundOffsets, timeShiftPoints } from "../../../src/merge/time-shift-samples.ts";
import { makeToTime } from "../../../src/report/time.ts";
import { ByteWriter } from "../../../src/lib/writer.ts";
import { formatFile, v6File } from "../../helpers/v6-file.ts";
import { TRACECMD_OPTION_TRACEID, type TraceOption } from "../../../src/tracedat/model.ts";
import { guestOption, timeShiftOption, u64Option, type TsyncPoint } from "../../../src/tracedat/options-encode.ts";
import { memorySource } from "../../../src/tracedat/reader/byte-source.ts";
import { openTraceDat } from "../../../src/tracedat/reader/open.ts";
import { applyOption, emptyOptions } from "../../../src/tracedat/reader/options.ts";
import type { TraceDat } from "../../../src/tracedat/reader/trace-dat.ts";

const HOST_ID = 0x1111n;
const GUEST_ID = 0x2222n;
/** Guest clock = host clock + GUEST_AHEAD. */
const GUEST_AHEAD = 5_000_000n;
const HOST_PID = 100;
const AGENT_PID = 7;

/** A probe round at host time `at`: RTTs given, host→guest taking 40% of each (slightly asymmetric). */
function round(at: bigint, rtts: bigint[]): HandshakeSample[] {
  let t = at;
  return rtts.map((rtt) => {
    const s = { hostSent: t, hostReceived: t + rtt, guestTsc: t + (rtt * 4n) / 10n + GUEST_AHEAD };
    t += rtt + 10n; // the next probe follows at once
    return s;
  });
}

describe("probeRounds() and roundOffsets()", () => {
  test("probeRounds() splits back-to-back probes from the next round and drops reversed ones", () => {
    const a = round(1_000n, [100n, 80n, 120n]);
    const b = round(1_000_000n, [90n, 95n]);
    const bad = { hostSent: 500_000n, hostReceived: 400_000n, guestTsc: 0n };
    expect(probeRounds([...b, bad, ...a])).toEqual([a, b]);
  });

  test("roundOffsets() takes the middle of the offsets every probe of a round allows: tighter than the best probe", () => {
    const A = 1_000n;
    const fastOut = { hostSent: 0n, hostReceived: 100n, guestTsc: 10n + A }; // guest − host in (A − 90, A + 10)
    const fastBack = { hostSent: 200n, hostReceived: 300n, guestTsc: 290n + A }; // (A − 10, A + 90)
    expect(roundOffsets([fastOut, fastBack])).toEqual([{ offset: A, errorBound: 10n, guestTs: 150n + A, probes: 2 }]);
    // One probe: its own interval, as fromHandshake() gives it.
    expect(roundOffsets([fastOut])).toEqual([{ offset: A - 40n, errorBound: 50n, guestTs: 10n + A, probes: 1 }]);
  });

  test("roundOffsets() falls back to the best probe when the intervals do not meet", () => {
    const a = { hostSent: 0n, hostReceived: 100n, guestTsc: 10n }; // (-90, 10)
    const b = { hostSent: 110n, hostReceived: 400n, guestTsc: 390n }; // (-10, 280): meets a
    const c = { hostSent: 410n, hostReceived: 460n, guestTsc: 500n }; // (40, 90): meets neither
    expect(roundOffsets([a, b, c])).toEqual([{ offset: 500n - 435n, errorBound: 25n, guestTs: 255n, probes: 3 }]);
  });
});

describe("timeShiftPoints() and timeShiftOption()", () => {
  const roundAt = (guestTs: bigint, offset: bigint) => ({ guestTs, offset, errorBound: 1n, probes: 1 });

  test("one round: a single constant sample, no interpolation (as before --sync-interval)", () => {
    expect(timeShiftPoints([roundAt(500n, 70n)])).toEqual({ flags: 0, points: [{ time: 500n, offset: -70n }] });
  });

  test("several rounds: interpolated, held flat before the first and after the last", () => {
    const { flags, points } = timeShiftPoints([roundAt(3_000n, 30n), roundAt(1_000n, 10n)]);
    expect(flags).toBe(1);
    expect(points).toEqual([
      { time: 0n, offset: -10n },
      { time: 1_000n, offset: -10n },
      { time: 3_000n, offset: -30n },
      { time: (1n << 63n) - 1n, offset: -30n },
    ]);
  });

  test("a long gap with a large offset change gets points on the same line (trace-cmd's s64 product)", () => {
    const { points } = timeShiftPoints([roundAt(0n + 1n, 0n), roundAt(1n << 40n, -(1n << 30n))]);
    for (let i = 1; i < points.length; i++) {
      const dt = points[i]!.time - points[i - 1]!.time;
      const doff = points[i]!.offset - points[i - 1]!.offset;
      expect(dt * (doff < 0n ? -doff : doff)).toBeLessThan(1n << 61n);
    }
    expect(points.length).toBeGreaterThan(4);
  });

  test("the option reads back as trace-cmd lays it out, and report time follows the line", () => {
    const { flags, points } = timeShiftPoints([roundAt(1_000n, 10n), roundAt(3_000n, 30n)]);
    const opt = timeShiftOption(HOST_ID, 2, flags, points, true);
    const options = emptyOptions();
    applyOption(options, opt.id, opt.data, { littleEndian: true, version: 6, offset: 0 });
    expect(options.timeShift!.cpus.map((c) => c.map((s) => [s.time, s.offset]))).toEqual([0, 1].map(() => points.map((p: TsyncPoint) => [p.time, p.offset])));
    const toTime = makeToTime({ clockText: "[x86-tsc]", options } as TraceDat, { rawTs: false, userOffsetNs: 0n, isInstance: false })!;
    expect([toTime(500n, 0), toTime(1_000n, 1), toTime(2_000n, 0), toTime(3_000n, 1), toTime(9_000n, 0)]).toEqual([490n, 990n, 1_981n, 2_970n, 8_970n]); // 1_981: trace-cmd rounds (x + delta / 2) / delta toward 0
  });
});

// ---- checkSync() on event lists --------------------------------------------------------------

const marker = (time: bigint, pid: number, text: string, tsRaw = time): SyncEvent => ({ kind: "marker", cpu: 0, pid, tsRaw, time, text });

/** Host and guest events of `probes` probes, 1000 apart, RTT 100; guest events at `guestShift` on the timeline. */
function syncSet(probes: number, guestShift: (seq: number) => bigint = () => 0n, ports = false): SyncSet {
  const host: SyncEvent[] = [];
  const guest: SyncEvent[] = [];
  for (let n = 0; n < probes; n++) {
    const t = BigInt(n) * 1000n;
    host.push(marker(t, HOST_PID, `vtrace-sync-send g1 ${n}`), marker(t + 100n, HOST_PID, `vtrace-sync-recv g1 ${n}`));
    const g = t + 40n + guestShift(n);
    guest.push(marker(g, AGENT_PID, `vtrace-sync ${n}`, t + 40n + GUEST_AHEAD));
    if (ports) {
      host.push({ kind: "write", cpu: 0, pid: HOST_PID, tsRaw: t + 5n, time: t + 5n }); // the probe, to the port
      host.push({ kind: "write", cpu: 0, pid: HOST_PID, tsRaw: t + 7n, time: t + 7n }); // something else
      host.push({ kind: "read", cpu: 0, pid: HOST_PID + 1, tsRaw: t + 95n, time: t + 95n }); // another task
      host.push({ kind: "read", cpu: 0, pid: HOST_PID, tsRaw: t + 90n, time: t + 90n }); // the reply
    }
  }
  const sort = (l: SyncEvent[]) => l.sort((a, b) => (a.tsRaw < b.tsRaw ? -1 : 1));
  return {
    host: { name: "host", path: "trace.dat", events: sort(host) },
    guests: [{ name: "g1", path: "trace-g1.dat", events: sort(guest), timeShift: { samples: 3, interpolated: true, forThisHost: true } }],
    rawUnit: "cycles",
    timeUnit: "cycles",
  };
}

describe("checkSync()", () => {
  test("an in-order set: 2 pairs per probe, none out of order, the handshake recomputed", () => {
    const r = checkSync(syncSet(6));
    expect([r.checked, r.outOfOrder, r.guests[0]!.probes, r.guests[0]!.probePairs.minMargin]).toEqual([12, 0, 6, 40n]);
    expect(r.guests[0]!.best).toMatchObject({ offset: GUEST_AHEAD - 10n, errorBound: 50n });
    expect(r.guests[0]!.portPairs).toBeUndefined();
    expect(formatSyncCheck(syncSet(6), r)).toMatch(/virtio port: not checked[^\n]*\n0 of 12 pairs out of order\n$/);
  });

  test("guest stamps after the host's receive, or before its send, are counted, each once", () => {
    const late = checkSync(syncSet(6, (n) => (n % 2 === 0 ? 70n : 0n))); // probes 0, 2, 4 land after recv
    expect([late.checked, late.outOfOrder, late.wrong.map((p) => p.probe)]).toEqual([12, 3, ["0", "2", "4"]]);
    expect(late.guests[0]!.probePairs.minMargin).toBe(-10n);
    const early = checkSync(syncSet(6, () => -41n)); // every guest stamp 1 before the send
    expect([early.checked, early.outOfOrder]).toEqual([12, 6]);
    const text = formatSyncCheck(syncSet(6), early);
    expect(text).toContain("out of order: g1 probe 0: guest arrival of probe 0 at -1 is not after host vtrace-sync-send g1 0 at 0 (-1 cycles)");
    expect(text.endsWith("6 of 12 pairs out of order\n")).toBe(true);
  });

  test("an equal timestamp is not an order", () => {
    expect(checkSync(syncSet(2, () => 60n)).outOfOrder).toBe(2);
  });

  test("virtio port pairs: the host's probe write before the guest stamp, the stamp before the host's read of the reply", () => {
    const ok = checkSync(syncSet(4, () => 0n, true));
    expect([ok.checked, ok.outOfOrder, ok.guests[0]!.portPairs]).toEqual([
      16,
      0,
      { toGuest: { checked: 4, outOfOrder: 0, minMargin: 35n }, toHost: { checked: 4, outOfOrder: 0, minMargin: 50n } },
    ]);
    // Tighter than the markers: these guest stamps are still between send and recv, but not between the port I/O.
    const late = checkSync(syncSet(4, () => 55n, true));
    expect([late.guests[0]!.probePairs.outOfOrder, late.guests[0]!.portPairs!.toGuest.outOfOrder, late.guests[0]!.portPairs!.toHost.outOfOrder]).toEqual([0, 0, 4]);
    const early = checkSync(syncSet(4, () => -37n, true));
    expect([early.guests[0]!.probePairs.outOfOrder, early.guests[0]!.portPairs!.toGuest.outOfOrder, early.guests[0]!.portPairs!.toHost.outOfOrder]).toEqual([0, 4, 0]);
    expect(formatSyncCheck(syncSet(4), early)).toContain("out of order: g1 probe 0: guest arrival of probe 0 at 3 is not after host write of probe 0 to the port at 5 (-2 cycles)");
  });

  test("probes of another domain and incomplete probes are not pairs", () => {
    const set = syncSet(3);
    set.host.events.push(marker(5_000n, HOST_PID, "vtrace-sync-send g2 9"), marker(5_100n, HOST_PID, "vtrace-sync-recv g2 9"));
    set.guests[0]!.events.push(marker(5_050n, AGENT_PID, "vtrace-sync 9"), marker(6_050n, AGENT_PID, "vtrace-sync 10"));
    expect(checkSync(set).checked).toBe(6);
  });
});

// ---- whole files: readSyncSet() over real v6 bytes -------------------------------------------

const PRINT_ID = 5;
const WRITE_ID = 600;
const READ_ID = 601;
const PRINT = formatFile("print", PRINT_ID, "\tfield:unsigned long ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:char buf[];\toffset:16;\tsize:0;\tsigned:0;", `"%ps: %s", (void *)REC->ip, REC->buf`);
const SYS_ENTER_WRITE = formatFile(
  "sys_enter_write",
  WRITE_ID,
  "\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n\tfield:unsigned int fd;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:const char * buf;\toffset:24;\tsize:8;\tsigned:0;\n\tfield:size_t count;\toffset:32;\tsize:8;\tsigned:0;",
  `"fd: 0x%08lx, buf: 0x%08lx, count: 0x%08lx", ((unsigned long)(REC->fd)), ((unsigned long)(REC->buf)), ((unsigned long)(REC->count))`,
);
const SYS_EXIT_READ = formatFile("sys_exit_read", READ_ID, "\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n\tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;", `"0x%lx", REC->ret`);

interface FileEvent {
  ts: bigint;
  cpu: number;
  pid: number;
  /** Marker text, or a syscall. */
  text?: string;
  write?: true;
  readRet?: bigint;
}

function payloadOf(e: FileEvent): Uint8Array {
  const w = new ByteWriter(true, 64);
  if (e.text !== undefined) w.u16(PRINT_ID).u8(0).u8(0).i32(e.pid).u64(0xffffffff81000000n).cstring(`${e.text}\n`);
  else if (e.write) w.u16(WRITE_ID).u8(0).u8(0).i32(e.pid).i32(1).i32(0).u64(3n).u64(0n).u64(16n);
  else w.u16(READ_ID).u8(0).u8(0).i32(e.pid).i32(0).i32(0).i64(e.readRet ?? 16n);
  return w.finish();
}

function traceDat(events: FileEvent[], cpus: number, options: TraceOption[]): TraceDat {
  const records = events.map((e) => ({ ts: e.ts, cpu: e.cpu, payload: payloadOf(e) }));
  return openTraceDat(memorySource(v6File({ cpus, ftraceFormats: [PRINT], eventSystems: [{ name: "syscalls", formats: [SYS_ENTER_WRITE, SYS_EXIT_READ] }], options, records })));
}

/** Host + guest files for rounds of probes at the given host times; the guest runs GUEST_AHEAD ahead. */
function recordedSet(roundsAt: bigint[], opts: { shiftError?: bigint; ports?: boolean } = {}) {
  const host: FileEvent[] = [];
  const guest: FileEvent[] = [];
  const samples: HandshakeSample[] = [];
  let seq = 0;
  for (const at of roundsAt) {
    for (const s of round(at, [300n, 200n, 250n])) {
      const n = seq++;
      samples.push(s);
      host.push({ ts: s.hostSent, cpu: 0, pid: HOST_PID, text: `vtrace-sync-send g1 ${n}` }, { ts: s.hostReceived, cpu: 0, pid: HOST_PID, text: `vtrace-sync-recv g1 ${n}` });
      guest.push({ ts: s.guestTsc, cpu: n % 2, pid: AGENT_PID, text: `vtrace-sync ${n}` });
      if (opts.ports) {
        host.push({ ts: s.hostSent + 2n, cpu: 0, pid: HOST_PID, write: true });
        host.push({ ts: s.hostReceived - 3n, cpu: 0, pid: HOST_PID, readRet: 16n }, { ts: s.hostReceived - 2n, cpu: 0, pid: HOST_PID, readRet: -11n });
      }
    }
  }
  const { flags, points } = timeShiftPoints(roundOffsets(samples));
  const shifted = points.map((p) => ({ ...p, offset: p.offset + (opts.shiftError ?? 0n) }));
  const hostDat = traceDat(host, 1, [u64Option(TRACECMD_OPTION_TRACEID, HOST_ID, true), guestOption("g1", GUEST_ID, [{ vcpu: 0, pid: 1 }, { vcpu: 1, pid: 2 }], true)]);
  const guestDat = traceDat(guest, 2, [u64Option(TRACECMD_OPTION_TRACEID, GUEST_ID, true), timeShiftOption(HOST_ID, 2, flags, shifted, true)]);
  return [
    { path: "trace.dat", dat: hostDat },
    { path: "trace-g1.dat", dat: guestDat },
  ];
}

describe("readSyncSet() on trace.dat bytes", () => {
  test("a set recorded with three probe rounds is in order on the merged timeline", () => {
    const set = readSyncSet(recordedSet([1_000n, 1_000_000n, 2_000_000n]));
    const r = checkSync(set);
    expect([r.checked, r.outOfOrder, r.guests[0]!.probes, r.guests[0]!.rounds.length, set.timeUnit]).toEqual([18, 0, 9, 3, "cycles"]);
    expect(r.guests[0]!.timeShift).toEqual({ samples: 5, interpolated: true, forThisHost: true });
    const text = formatSyncCheck(set, r);
    expect(text).toContain("g1: offset 4999980 ± 100 cycles (ns unknown: no TSC2NSEC in the host file) from 9 probes, the best of 3 rounds (the worst ± 100 cycles)");
    expect(text.endsWith("0 of 18 pairs out of order\n")).toBe(true);
  });

  test("a TIME_SHIFT off by more than the slack puts the guest stamps after the host's receive", () => {
    const r = checkSync(readSyncSet(recordedSet([1_000n, 1_000_000n], { shiftError: 200n })));
    expect([r.checked, r.outOfOrder, new Set(r.wrong.map((p) => p.afterWhat.split(" ")[1])).size]).toEqual([12, 6, 1]);
  });

  test("--guest-offset moves every guest event on the timeline (report's --ts-offset) without touching the file", () => {
    const inputs = recordedSet([1_000n]);
    expect(checkSync(readSyncSet(inputs, { guestOffset: 0n })).outOfOrder).toBe(0);
    expect(checkSync(readSyncSet(inputs, { guestOffset: -150n })).outOfOrder).toBe(3);
  });

  test("host syscall events make virtio port pairs; a failed read is not the read that got the reply", () => {
    const r = checkSync(readSyncSet(recordedSet([1_000n, 1_000_000n], { ports: true })));
    const ports = r.guests[0]!.portPairs!;
    expect([ports.toGuest.checked, ports.toHost.checked, ports.toHost.minMargin! < 100n, r.checked, r.outOfOrder]).toEqual([6, 6, true, 24, 0]);
  });

  test("inputs that are not a host + its guests are usage errors", () => {
    const [host, guest] = recordedSet([1_000n]);
    expect(() => readSyncSet([host!])).toThrow("give the host file and its guest files");
    expect(() => readSyncSet([guest!, guest!])).toThrow("no host file among the inputs");
    expect(() => readSyncSet([host!, host!])).toThrow("more than one host file");
    const stranger = { path: "other.dat", dat: traceDat([], 1, [u64Option(TRACECMD_OPTION_TRACEID, 99n, true)]) };
    expect(() => readSyncSet([host!, stranger])).toThrow("'other.dat' is not a guest of 'trace.dat'");
  });
});
