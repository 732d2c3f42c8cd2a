// The acceptance test of the clock sync, checked from outside vtrace's own channel: a QEMU TCG guest
// (2 vCPUs, `vtrace agent` running) and the host play ping-pong over an extra virtio-serial port
// that vtrace does not use (a pipe chardev that a shell reads and writes on each side). Each side
// stamps a trace_marker line as it sends (HPING n on the host, GPING n in the guest) and after it
// has received (GPONG n in the guest after reading HPING n, HPONG n on the host after reading
// GPING n), so on a correct timeline HPING n < GPONG n and GPING n < HPONG n. The rounds run during
// `record -A g1 -e sched -e ftrace:print`, 1-3 ms apart, several sessions in a row (the result
// depends on timing); every session must keep all pairs in order in vtrace's merged report, in
// trace-cmd's (which applies the same TIME_SHIFT), and by `vtrace sync-check --causal`.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { bootGuest, guestSupport, type RunningGuest } from "../../helpers/guest.ts";
import { instanceName, missing, run, skipBecause, tempDir, TRACEFS, VTRACE_BIN } from "../../helpers/env.ts";
import { traceCmd } from "../../helpers/tracecmd.ts";

const skip = skipBecause(guestSupport() ?? missing({ tracefs: true, traceCmd: true, binary: true }), "causal-order e2e");

const GUEST = "g1";
const PORT = "vtrace-test-pingpong";
const SESSIONS = 5;
const ROUNDS = 20;

/**
 * The guest's side: answers each "HPING n" line on the port with GPONG n (marker), then GPING n
 * (marker, then the port). Markers go through one open fd, so each is one write().
 */
const GUEST_SCRIPT = `
(
  exec 3<>/dev/virtio-ports/${PORT} 4>/sys/kernel/tracing/trace_marker
  while read -r word n <&3; do
    [ "$word" = HPING ] || continue
    echo "GPONG $n" >&4
    echo "GPING $n" >&4
    echo "GPING $n" >&3
  done
) &
exec vtrace agent
`;

/**
 * The host's side, run as the command of `record -A`: $1 the recording instance's trace_marker,
 * $2 the port's FIFO pair, $3 rounds. A reply that is late or wrong fails the command.
 */
const HOST_SCRIPT = `
exec 3>"$2.in" 4<"$2.out" 5>"$1"
for ((n = 1; n <= $3; n++)); do
  echo "HPING $n" >&5
  echo "HPING $n" >&3
  read -t 20 -r word m <&4 || { echo "no reply to HPING $n" >&2; exit 1; }
  echo "HPONG $m" >&5
  [ "$word $m" = "GPING $n" ] || { echo "reply '$word $m' to HPING $n" >&2; exit 1; }
  sleep 0.00$((1 + RANDOM % 3))
done
echo "PINGPONG-DONE $3"
`;

interface Stamp {
  what: string;
  n: number;
  /** Merged-timeline time, ns (cycles where the report prints cycles). */
  ns: bigint;
}

/**
 * The ping-pong markers of a merged report and their times: seconds with 9 decimals as -t prints
 * them, or raw TSC cycles where the host knew no TSC rate (the order is what counts).
 */
function stamps(report: string): Stamp[] {
  const out: Stamp[] = [];
  for (const m of report.matchAll(/[\] ](\d+)(?:\.(\d{9}))?: +print: +\S+ (GPING|GPONG|HPING|HPONG) (\d+)$/gm)) {
    const ns = m[2] === undefined ? BigInt(m[1]!) : BigInt(m[1]!) * 1_000_000_000n + BigInt(m[2]);
    out.push({ what: m[3]!, n: Number(m[4]), ns });
  }
  return out;
}

interface Ordering {
  /** Pairs found (both ends present). */
  pairs: number;
  inverted: string[];
  /** Smallest effect − cause per direction, ns. */
  minMargin: { toGuest?: bigint; toHost?: bigint };
  /** Line positions: effect before cause in the printed order. */
  linesOutOfOrder: number;
  /**
   * Per round, (guest → host delay − host → guest delay) / 2 as the timeline shows them: how much
   * earlier than the host the timeline places the guest, were both legs equally fast. Sorted.
   */
  skews: bigint[];
}

/** HPING n < GPONG n (host → guest) and GPING n < HPONG n (guest → host) on a merged report. */
function ordering(report: string): Ordering {
  const all = stamps(report);
  const at = (what: string, n: number) => all.findIndex((s) => s.what === what && s.n === n);
  const result: Ordering = { pairs: 0, inverted: [], minMargin: {}, linesOutOfOrder: 0, skews: [] };
  for (let n = 1; n <= ROUNDS; n++) {
    const [hping, gpong, gping, hpong] = ["HPING", "GPONG", "GPING", "HPONG"].map((w) => all[at(w, n)]?.ns);
    if (hping !== undefined && gpong !== undefined && gping !== undefined && hpong !== undefined) result.skews.push((hpong - gping - (gpong - hping)) / 2n);
    for (const [cause, effect, dir] of [["HPING", "GPONG", "toGuest"], ["GPING", "HPONG", "toHost"]] as const) {
      const c = at(cause, n);
      const e = at(effect, n);
      if (c < 0 || e < 0) continue;
      result.pairs++;
      const margin = all[e]!.ns - all[c]!.ns;
      if (margin <= 0n) result.inverted.push(`${effect} ${n} ${margin} ns before ${cause} ${n}`);
      if (e < c) result.linesOutOfOrder++;
      const min = result.minMargin[dir];
      if (min === undefined || margin < min) result.minMargin[dir] = margin;
    }
  }
  result.skews.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return result;
}

describe.skipIf(skip)("causal order of host/guest ping-pong over a port vtrace does not use", () => {
  const dir = tempDir("causal-order");
  const virtDir = `${dir.path}/virt`;
  const fifo = `${dir.path}/pingpong`;
  const hostScript = `${dir.path}/pingpong.sh`;
  let server: ReturnType<typeof Bun.spawn> | undefined;
  let guest: RunningGuest | undefined;
  const measured: string[] = [];

  beforeAll(async () => {
    writeFileSync(hostScript, HOST_SCRIPT);
    const setup = Bun.spawnSync([VTRACE_BIN, "setup-guest", GUEST, "--cpus", "2", "--dir", virtDir]);
    if (setup.exitCode !== 0) throw new Error(`setup-guest: ${setup.stderr.toString()}`);
    server = Bun.spawn([VTRACE_BIN, "virt-server", "--dir", virtDir, "-d", dir.path, "-l", `${dir.path}/server.log`], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    while (!existsSync(`${virtDir}/vtrace-ctl`)) await Bun.sleep(20);
    guest = await bootGuest({
      name: GUEST,
      cpus: 2,
      fifoDir: `${virtDir}/${GUEST}`,
      controlSocket: `${virtDir}/agent-ctl-path`,
      extraPorts: [{ name: PORT, fifo }],
      command: GUEST_SCRIPT,
      timeoutMs: 900_000,
    });
    await waitForAgent(virtDir, guest);
  }, 600_000);

  afterAll(async () => {
    await guest?.[Symbol.asyncDispose]();
    server?.kill("SIGINT");
    await server?.exited;
    if (measured.length > 0) console.log(`causal order, ${ROUNDS} rounds per session:\n${measured.join("\n")}`);
    dir[Symbol.dispose]();
  });

  for (let session = 1; session <= SESSIONS; session++) {
    test(`session ${session}: 0 of ${ROUNDS * 2} ping-pong pairs inverted in vtrace report, trace-cmd report and sync-check --causal`, async () => {
      const out = `${dir.path}/s${session}`;
      mkdirSync(out);
      const instance = instanceName("causal");
      const rec = await run(
        [VTRACE_BIN, "record", "-B", instance, "-e", "sched", "-A", GUEST, "-e", "sched", "-e", "ftrace:print", "-o", `${out}/trace.dat`, "--virt-dir", virtDir,
          "--", "bash", hostScript, `${TRACEFS}/instances/${instance}/trace_marker`, fifo, String(ROUNDS)],
        { timeoutMs: 180_000 },
      );
      expect({ code: rec.code, done: rec.stdout.includes(`PINGPONG-DONE ${ROUNDS}`), stderr: rec.code === 0 ? "" : rec.stderr }).toEqual({ code: 0, done: true, stderr: "" });
      const files = ["-i", `${out}/trace.dat`, "-i", `${out}/trace-${GUEST}.dat`];
      const bound = /clock offset -?\d+ ± (\d+) cycles/.exec(rec.stderr)?.[1];

      const vtrace = await run([VTRACE_BIN, "report", "-t", ...files], { timeoutMs: 120_000 });
      expect(vtrace.code).toBe(0);
      const tc = await traceCmd(["report", "-t", ...files]);
      expect(tc.code).toBe(0);
      const [mine, theirs] = [ordering(vtrace.stdout), ordering(tc.stdout)];
      const check = await run([VTRACE_BIN, "sync-check", ...files, "--causal", "HPING (\\d+)$", "GPONG \\1$", "--causal", "GPING (\\d+)$", "HPONG (\\d+)$"]);
      const causal = /^(\d+) of (\d+) pairs out of order$/m.exec(check.stdout);
      const syncBoundNs = /offset -?\d+ ± \d+ cycles \(± (\d+) ns\)/.exec(check.stdout)?.[1];
      measured.push(
        `  session ${session}: inverted ${mine.inverted.length} of ${mine.pairs} (trace-cmd ${theirs.inverted.length}); smallest margin host→guest ${mine.minMargin.toGuest} ns, guest→host ${mine.minMargin.toHost} ns; sync bound ± ${bound} cycles (± ${syncBoundNs} ns); guest placed early by ${mine.skews[0]}..${mine.skews.at(-1)} ns, median ${mine.skews[mine.skews.length >> 1]} ns`,
        ...check.stdout.split("\n").filter((l) => /^ {2}'|^ {4}out of order|sync probes/.test(l)).map((l) => `    sync-check:${l}`),
      );

      // Every round's four markers were recorded: the test sees all 40 pairs, in both tools.
      expect([mine.pairs, theirs.pairs]).toEqual([ROUNDS * 2, ROUNDS * 2]);
      // The printed order follows the timestamps, and both tools agree on every time.
      expect(mine.linesOutOfOrder).toBe(mine.inverted.length);
      expect(stamps(vtrace.stdout)).toEqual(stamps(tc.stdout));
      // sync-check --causal counts what this test counts (its total also has the sync probes' pairs).
      expect(check.stdout).toMatch(new RegExp(`^  'HPING \\(\\\\d\\+\\)\\$' < 'GPONG \\\\1\\$': ${mine.inverted.filter((i) => i.startsWith("GPONG")).length} of ${ROUNDS} out of order`, "m"));
      expect(check.stdout).toMatch(new RegExp(`^  'GPING \\(\\\\d\\+\\)\\$' < 'HPONG \\(\\\\d\\+\\)\\$': ${mine.inverted.filter((i) => i.startsWith("HPONG")).length} of ${ROUNDS} out of order`, "m"));
      expect(causal).not.toBeNull();
      expect(check.code).toBe(causal![1] === "0" ? 0 : 1);
      // The acceptance criterion: no effect before its cause.
      expect({ session, inverted: mine.inverted }).toEqual({ session, inverted: [] });
      expect(check.code).toBe(0);
    }, 240_000);
  }
});

async function waitForAgent(virtDir: string, guest: RunningGuest): Promise<void> {
  const until = Date.now() + 240_000;
  for (;;) {
    const listed = Bun.spawnSync([VTRACE_BIN, "list-guests", "--dir", virtDir]).stdout.toString();
    if (new RegExp(`^${GUEST}\\s`, "m").test(listed)) return;
    if (Date.now() > until) throw new Error(`the agent did not connect\n${listed}${guest.console().slice(-2000)}`);
    await Bun.sleep(300);
  }
}
