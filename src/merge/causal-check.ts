// `sync-check --causal`: the user's cause → effect rules checked on the merged timeline of a
// host + guests set, with the sync bound from sync-check's own rounds beside each margin. Pure.

import type { VtraceError } from "../errors.ts";
import { boundsFromSync } from "./causal-bound.ts";
import { CausalPairing, type RuleResult } from "./causal-pairs.ts";
import type { CausalRule } from "./causal-rule.ts";
import { formatCausal } from "./causal-text.ts";
import { forEachTimelineLine } from "./causal-timeline.ts";
import type { SyncCheckInput, SyncCheckResult, SyncSet } from "./sync-check.ts";
import type { ExtraPairs } from "./sync-check-text.ts";

export interface CausalCheck {
  results: RuleResult[];
  /** The report section and its counts, for sync-check's total. */
  extra: ExtraPairs;
  /** A read error after which the rest of the timeline was still checked. */
  error?: VtraceError;
}

/** The rules over the set's merged timeline; guests moved by guestOffset as sync-check moves them. */
export function checkCausal(inputs: readonly SyncCheckInput[], rules: readonly CausalRule[], set: SyncSet, sync: SyncCheckResult, guestOffset = 0n): CausalCheck {
  const host = inputs.findIndex((i) => i.dat.options.guests.length > 0);
  const reportInputs = inputs.map((i, k) => ({ path: i.path, dat: i.dat, userOffsetNs: k === host ? 0n : guestOffset }));
  const pairing = new CausalPairing(rules);
  const error = forEachTimelineLine(reportInputs, (line) => pairing.see(line));
  const results = pairing.results();
  const lines = formatCausal(results, boundsFromSync(set, sync), set.timeUnit);
  const checked = results.reduce((n, r) => n + r.pairs, 0);
  const outOfOrder = results.reduce((n, r) => n + r.inverted.length, 0);
  return { results, extra: { lines, checked, outOfOrder }, error };
}
