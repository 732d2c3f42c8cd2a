// sync-check --causal on whole trace.dat bytes: a synthetic host + guest set with clock-sync probes
// and a ping-pong of markers. The lines matched are the lines `vtrace report` prints; a TIME_SHIFT
// off by more than the ping-pong's latency puts effects before causes, each beside its bound. Also
// the command line: bad rules are one-line usage errors (exit 2), inversions exit 1.

import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { checkCausal } from "../../../src/merge/causal-check.ts";
import type { TimelineLine } from "../../../src/merge/causal-pairs.ts";
import { causalRule } from "../../../src/merge/causal-rule.ts";
import { forEachTimelineLine } from "../../../src/merge/causal-timeline.ts";
import { checkSync, readSyncSet, type SyncCheckInput } from "../../../src/merge/sync-check.ts";
import { roundOffsets, timeShiftPoints } from "../../../src/merge/time-shift-samples.ts";
import { MemorySink } from "../../../src/lib/byte-sink.ts";
import { ByteWriter } from "../../../src/lib/writer.ts";
import { writeReport } from "../../../src/report/report.ts";
import { TRACECMD_OPTION_TRACEID } from "../../../src/tracedat/model.ts";
import { guestOption, timeShiftOption, u64Option } from "../../../src/tracedat/options-encode.ts";
import { memorySource } from "../../../src/tracedat/reader/byte-source.ts";
import { openTraceDat } from "../../../src/tracedat/reader/open.ts";
import { run, tempDir, VTRACE_SRC } from "../../helpers/env.ts";
import { formatFile, v6File } from "../../helpers/v6-file.ts";

const HOST_ID = 0x1111n;
const GUEST_ID = 0x2222n;
/** Guest clock = host clock + GUEST_AHEAD (cycles). */
const GUEST_AHEAD = 5_000_000n;
const PRINT_ID = 5;
const PRINT = formatFile("print", PRINT_ID, "\tfield:unsigned long ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:char buf[];\toffset:16;\tsize:0;\tsigned:0;", `"%ps: %s", (void *)REC->ip, REC->buf`);
/** Each ping-pong leg takes this long (cycles). */
const LEG = 100n;
const ROUNDS = 4;

interface Marker {
  ts: bigint;
  cpu: number;
  text: string;
}

function payload(pid: number, text: string): Uint8Array {
  return new ByteWriter(true, 64).u16(PRINT_ID).u8(0).u8(0).i32(pid).u64(0xffffffff81000000n).cstring(`${text}\n`).finish();
}

/**
 * Host + guest: probe rounds at host times 0 and 1,000,000 (RTT 300, 40% of it host → guest), and
 * ping-pong rounds between them (HPING → GPONG, GPING → HPONG, LEG cycles each way). The guest's
 * TIME_SHIFT is what the probes measured, plus shiftError.
 */
function pingPongFiles(shiftError = 0n): [host: Uint8Array, guest: Uint8Array] {
  const host: Marker[] = [];
  const guest: Marker[] = [];
  const samples = [];
  let seq = 0;
  for (const at of [1_000n, 1_000_000n]) {
    for (let k = 0n; k < 3n; k++) {
      const s = { hostSent: at + k * 400n, hostReceived: at + k * 400n + 300n, guestTsc: at + k * 400n + 120n + GUEST_AHEAD };
      samples.push(s);
      host.push({ ts: s.hostSent, cpu: 0, text: `vtrace-sync-send g1 ${seq}` }, { ts: s.hostReceived, cpu: 0, text: `vtrace-sync-recv g1 ${seq}` });
      guest.push({ ts: s.guestTsc, cpu: 1, text: `vtrace-sync ${seq++}` });
    }
  }
  for (let n = 1; n <= ROUNDS; n++) {
    const t = BigInt(n) * 100_000n;
    host.push({ ts: t, cpu: 0, text: `HPING ${n}` });
    guest.push({ ts: t + LEG + GUEST_AHEAD, cpu: 0, text: `GPONG ${n}` }, { ts: t + LEG + 10n + GUEST_AHEAD, cpu: 0, text: `GPING ${n}` });
    host.push({ ts: t + 2n * LEG + 10n, cpu: 0, text: `HPONG ${n}` });
  }
  const { flags, points } = timeShiftPoints(roundOffsets(samples));
  const shifted = points.map((p) => ({ ...p, offset: p.offset + shiftError }));
  const file = (markers: Marker[], cpus: number, options: Parameters<typeof v6File>[0]["options"]) =>
    v6File({ cpus, ftraceFormats: [PRINT], options, records: markers.map((m) => ({ ts: m.ts, cpu: m.cpu, payload: payload(10 + m.cpu, m.text) })) });
  return [
    file(host, 1, [u64Option(TRACECMD_OPTION_TRACEID, HOST_ID, true), guestOption("g1", GUEST_ID, [{ vcpu: 0, pid: 1 }, { vcpu: 1, pid: 2 }], true)]),
    file(guest, 2, [u64Option(TRACECMD_OPTION_TRACEID, GUEST_ID, true), timeShiftOption(HOST_ID, 2, flags, shifted, true)]),
  ];
}

function pingPongSet(shiftError = 0n): SyncCheckInput[] {
  const [host, guest] = pingPongFiles(shiftError);
  return [
    { path: "trace.dat", dat: openTraceDat(memorySource(host)) },
    { path: "trace-g1.dat", dat: openTraceDat(memorySource(guest)) },
  ];
}

const RULES = [causalRule("HPING (\\d+)$", "GPONG \\1$"), causalRule("GPING (\\d+)$", "HPONG (\\d+)$")];

function check(inputs: SyncCheckInput[], guestOffset?: bigint) {
  const set = readSyncSet(inputs, { guestOffset });
  return checkCausal(inputs, RULES, set, checkSync(set), guestOffset);
}

describe("forEachTimelineLine()", () => {
  test("the lines are vtrace report's lines for the set, in its order, each with its machine and raw time", () => {
    const inputs = pingPongSet();
    const lines: TimelineLine[] = [];
    expect(forEachTimelineLine(inputs.map((i) => ({ ...i, userOffsetNs: 0n })), (l) => lines.push(l))).toBeUndefined();
    const sink = new MemorySink();
    writeReport(inputs.map((i) => ({ ...i, userOffsetNs: 0n })), { nsec: false, raw: false, rawTs: false, namePrefix: "tag" }, sink);
    const report = sink.text().split("\n").filter((l) => l !== "" && !/cpus=/.test(l));
    expect(lines.map((l) => l.text)).toEqual(report);
    expect(lines.length).toBe(18 + ROUNDS * 4);
    const gpong = lines.find((l) => l.text.endsWith("GPONG 1"))!;
    expect([gpong.machine, gpong.tsRaw, gpong.text.startsWith("  (g1): ")]).toEqual(["g1", 100_000n + LEG + GUEST_AHEAD, true]);
    expect(lines.every((l, i) => i === 0 || l.time >= lines[i - 1]!.time)).toBe(true);
  });
});

describe("checkCausal() on trace.dat bytes", () => {
  test("a well synchronised set: every ping-pong pair in order, margins about one leg", () => {
    const c = check(pingPongSet());
    expect(c.results.map((r) => [r.pairs, r.inverted.length, r.unpairedCauses + r.unpairedEffects])).toEqual([
      [ROUNDS, 0, 0],
      [ROUNDS, 0, 0],
    ]);
    // The probes pin the offset to ± 60 cycles here, so each margin is one leg ± that.
    for (const r of c.results) expect(Number(r.tightest!.margin)).toBeWithin(Number(LEG) - 60, Number(LEG) + 61);
    expect([c.extra.checked, c.extra.outOfOrder]).toEqual([2 * ROUNDS, 0]);
    expect(c.extra.lines[1]).toMatch(/^ {2}'HPING \(\\d\+\)\$' < 'GPONG \\1\$': 0 of 4 out of order, smallest margin \d+ cycles \(host → g1, sync bound ± \d+ cycles\)$/);
  });

  test("a TIME_SHIFT 4 legs late puts every host → guest effect late and every guest → host effect before its cause, beyond the bound", () => {
    const c = check(pingPongSet(4n * LEG));
    expect(c.results.map((r) => r.inverted.length)).toEqual([0, ROUNDS]);
    expect(c.extra.outOfOrder).toBe(ROUNDS);
    expect(c.extra.lines.filter((l) => l.includes("out of order, key")).length).toBe(ROUNDS);
    expect(c.extra.lines.join("\n")).toMatch(/out of order, key 1: the effect is \d+ cycles before its cause \(g1 → host, beyond the sync bound ± \d+ cycles\)/);
  });

  test("--guest-offset moves the guest lines as it moves the probes", () => {
    expect(check(pingPongSet(), 3n * LEG).results.map((r) => r.inverted.length)).toEqual([0, ROUNDS]);
    expect(check(pingPongSet(), -3n * LEG).results.map((r) => r.inverted.length)).toEqual([ROUNDS, 0]);
  });
});

describe("vtrace sync-check --causal (command line)", () => {
  const dir = tempDir("causal-cli");
  const files = (shiftError: bigint, name: string) => {
    const paths = [`${dir.path}/${name}-trace.dat`, `${dir.path}/${name}-trace-g1.dat`];
    pingPongFiles(shiftError).forEach((bytes, k) => writeFileSync(paths[k]!, bytes));
    return paths.flatMap((p) => ["-i", p]);
  };
  afterAll(() => dir[Symbol.dispose]());

  const cli = (args: string[]) => run([...VTRACE_SRC, "sync-check", ...args]);

  test("bad rules are one line on stderr, exit 2, before any file is read", async () => {
    const cases: [string[], string][] = [
      [["--causal", "GPING (", "HPONG \\1"], "vtrace sync-check: invalid --causal CAUSE 'GPING (': "],
      [["--causal", "GPING \\d+", "HPONG \\d+"], "vtrace sync-check: --causal CAUSE 'GPING \\d+' needs exactly one capture group"],
      [["--causal", "GPING (\\d+)", "HPONG"], "vtrace sync-check: --causal EFFECT 'HPONG' needs a capture group for the key, or \\1 for the cause's key"],
      [["--causal", "GPING (\\d+)"], "vtrace sync-check: --causal needs two regexes: --causal 'CAUSE (KEY)' 'EFFECT \\1'"],
      [["--causal=GPING (\\d+)", "HPONG \\1"], "vtrace sync-check: --causal needs two regexes"],
      [["--bogus"], "vtrace sync-check: unknown option '--bogus'"],
      [["stray"], "vtrace sync-check: unexpected argument 'stray'"],
    ];
    for (const [args, message] of cases) {
      const r = await cli(["-i", "/nonexistent/a.dat", "-i", "/nonexistent/b.dat", ...args]);
      expect({ args, code: r.code, stdout: r.stdout, lines: r.stderr.split("\n").length, starts: r.stderr.startsWith(message) }).toEqual({ args, code: 2, stdout: "", lines: 2, starts: true });
    }
  }, 60_000);

  test("a set in order: exit 0, the section and a total with the rules' pairs; a regex starting with '-' is a value", async () => {
    const r = await cli([...files(0n, "ok"), "--causal", "HPING (\\d+)$", "GPONG \\1$", "--causal", "-?GPING (\\d+)$", "HPONG (\\d+)$"]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(r.stdout).toContain("\ncausal pairs from --causal (");
    expect(r.stdout).toContain("\n  '-?GPING (\\d+)$' < 'HPONG (\\d+)$': 0 of 4 out of order, smallest margin ");
    // 6 probes × 2 pairs + 2 rules × 4 rounds.
    expect(r.stdout.endsWith("\n0 of 20 pairs out of order\n")).toBe(true);
  }, 60_000);

  test("inversions exit 1 with one line; a rule that pairs nothing exits 1 too", async () => {
    const bad = await cli([...files(4n * LEG, "bad"), "--causal", "GPING (\\d+)$", "HPONG \\1$"]);
    expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 1, stderr: "vtrace sync-check: 10 of 16 pairs out of order on the merged timeline\n" });
    const idle = await cli([...files(0n, "idle"), "--causal", "GPING (\\d+)$", "HPONG \\1$", "--causal", "NOPE (\\d+)", "HPONG \\1$"]);
    expect({ code: idle.code, stderr: idle.stderr }).toEqual({ code: 1, stderr: "vtrace sync-check: --causal 'NOPE (\\d+)' 'HPONG \\1$' found no pairs (0 cause lines, 4 effect lines matched)\n" });
  }, 60_000);
});
