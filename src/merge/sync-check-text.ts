// `vtrace sync-check`'s report text: the handshake per guest, the causal pairs per guest and kind,
// a few pairs in the wrong order, the total. Pure.

import type { PairCount, SyncCheckResult, SyncSet } from "./sync-check.ts";

const PROBE_RULE = "host vtrace-sync-send N < guest arrival of N; guest vtrace-sync N < host arrival of the reply";
const PORT_TO_GUEST = "host task's first sys_enter_write after vtrace-sync-send N (the probe, to the agent-ctl-path port) < guest arrival of N";
const PORT_TO_HOST = "guest vtrace-sync N (the agent writes its reply next) < host task's last sys_exit_read > 0 before vtrace-sync-recv N (the reply)";
const MAX_SHOWN = 5;

/** Pairs checked beyond the probes (--causal): their section's lines and counts, in the total. */
export interface ExtraPairs {
  lines: string[];
  checked: number;
  outOfOrder: number;
}

/** The report: handshake per guest, pairs per guest and kind, a few wrong pairs, extra pairs, the total. */
export function formatSyncCheck(set: SyncSet, r: SyncCheckResult, extra?: ExtraPairs): string {
  const lines = [`host ${set.host.path}; guests: ${set.guests.map((g) => `${g.name} (${g.path})`).join(", ")}`];
  lines.push("clock sync, recomputed from the vtrace-sync markers (offset = guest clock - host clock):");
  for (const g of r.guests) {
    if (!g.best) {
      lines.push(`  ${g.name}: no complete clock-sync probe in these files`);
    } else {
      const bounds = g.rounds.map((x) => x.errorBound);
      const worst = bounds.reduce((a, b) => (a > b ? a : b));
      const ns = set.toNs ? `(± ${set.toNs(g.best.errorBound)} ns)` : "(ns unknown: no TSC2NSEC in the host file)";
      const rounds = g.rounds.length > 1 ? `the best of ${g.rounds.length} rounds (the worst ± ${worst} ${set.rawUnit})` : "1 round";
      lines.push(`  ${g.name}: offset ${g.best.offset} ± ${g.best.errorBound} ${set.rawUnit} ${ns} from ${g.probes} probes, ${rounds}`);
    }
    const ts = g.timeShift;
    const shift = !ts ? "none: the guest's events stay on its own clock" : `${ts.samples} sample${ts.samples === 1 ? "" : "s"} per vCPU${ts.interpolated ? ", interpolated" : ""}${ts.forThisHost ? "" : ", but for another host trace id"}`;
    lines.push(`  ${g.name}: TIME_SHIFT in ${g.path}: ${shift}`);
  }
  lines.push(`causal pairs on the merged timeline (vtrace report's timestamps, ${set.timeUnit}):`);
  for (const g of r.guests) {
    lines.push(`  ${g.name} sync probes (${PROBE_RULE}): ${pairLine(g.probePairs, set.timeUnit)}`);
    if (g.portPairs) {
      lines.push(`  ${g.name} virtio port, host to guest (${PORT_TO_GUEST}): ${pairLine(g.portPairs.toGuest, set.timeUnit)}`);
      lines.push(`  ${g.name} virtio port, guest to host (${PORT_TO_HOST}): ${pairLine(g.portPairs.toHost, set.timeUnit)}`);
    } else lines.push(`  ${g.name} virtio port: not checked (record syscalls:sys_enter_write and syscalls:sys_exit_read on the host)`);
  }
  for (const p of r.wrong.slice(0, MAX_SHOWN)) {
    lines.push(`  out of order: ${p.guest} probe ${p.probe}: ${p.afterWhat} at ${p.after.time} is not after ${p.beforeWhat} at ${p.before.time} (${p.after.time - p.before.time} ${set.timeUnit})`);
  }
  if (r.wrong.length > MAX_SHOWN) lines.push(`  ... and ${r.wrong.length - MAX_SHOWN} more`);
  if (extra) lines.push(...extra.lines);
  lines.push(`${r.outOfOrder + (extra?.outOfOrder ?? 0)} of ${r.checked + (extra?.checked ?? 0)} pairs out of order`);
  return `${lines.join("\n")}\n`;
}

function pairLine(c: PairCount, unit: string): string {
  if (c.checked === 0) return "none found";
  return `${c.outOfOrder} of ${c.checked} out of order, smallest margin ${c.minMargin} ${unit}`;
}
