// The sync bound beside each --causal pair: how far the merged timeline may misplace one machine
// against the other where the pair's lines are. Each clock-sync round knows the guest − host offset
// ± a bound (time-shift-samples.ts) and TIME_SHIFT interpolates between rounds, so a guest line is
// placed within the larger bound of the rounds around it; the host is the reference (0). Two lines
// closer than their pair's bound may be shown in either order: the merge cannot know. Pure.

import type { CausalPair, TimelineLine } from "./causal-pairs.ts";
import type { SyncCheckResult, SyncSet } from "./sync-check.ts";
import type { RoundOffset } from "./time-shift-samples.ts";

/** A line's bound in timeline units: 0n on the host; undefined when unknown (no probes, no unit). */
export type BoundOf = (line: TimelineLine) => bigint | undefined;

/** The bound of a pair: 0 on one machine (one clock), else the sum of both machines' bounds. */
export function pairBound(p: CausalPair, boundOf: BoundOf): bigint | undefined {
  if (p.cause.machine === p.effect.machine) return 0n;
  const a = boundOf(p.cause);
  const b = boundOf(p.effect);
  return a === undefined || b === undefined ? undefined : a + b;
}

/** The larger bound of the rounds just before and just after guest time t (the nearest one at the ends). */
export function roundBoundAt(rounds: readonly RoundOffset[], t: bigint): bigint | undefined {
  let before: RoundOffset | undefined;
  let after: RoundOffset | undefined;
  for (const r of rounds) {
    if (r.guestTs <= t && (!before || r.guestTs > before.guestTs)) before = r;
    if (r.guestTs >= t && (!after || r.guestTs < after.guestTs)) after = r;
  }
  if (!before || !after) return (before ?? after)?.errorBound;
  return before.errorBound > after.errorBound ? before.errorBound : after.errorBound;
}

/** Bounds per line from sync-check's rounds, in the merged timeline's unit. */
export function boundsFromSync(set: SyncSet, result: SyncCheckResult): BoundOf {
  const toTimeline = set.timeUnit === set.rawUnit ? (u: bigint) => u : set.toNs;
  const rounds = new Map(result.guests.map((g) => [g.name, g.rounds]));
  return (line) => {
    if (line.machine === "host") return 0n;
    const r = rounds.get(line.machine);
    const raw = r && roundBoundAt(r, line.tsRaw);
    return raw === undefined || !toTimeline ? undefined : toTimeline(raw);
  };
}
