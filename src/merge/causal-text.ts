// `sync-check --causal`'s section of the report: per rule the pairs out of order and the smallest
// margin, then every out-of-order pair with its margin beside the sync bound (within it, the merge
// cannot know the order; beyond it, the sync is wrong), and the lines of the first few. Pure.

import { pairBound, type BoundOf } from "./causal-bound.ts";
import type { CausalPair, RuleResult } from "./causal-pairs.ts";

/** Pairs whose two report lines are shown. */
const LINES_SHOWN = 3;

export function formatCausal(results: readonly RuleResult[], boundOf: BoundOf, unit: string): string[] {
  const lines = [`causal pairs from --causal (vtrace report's lines; the n-th CAUSE with a key pairs with the n-th EFFECT with that key; ${unit}):`];
  for (const r of results) {
    lines.push(`  ${quote(r.rule.cause)} < ${quote(r.rule.effect)}: ${summary(r, boundOf, unit)}`);
    r.inverted.forEach((p, i) => {
      lines.push(`    out of order, key ${p.key}: ${invertedText(p, pairBound(p, boundOf), unit)}`);
      if (i < LINES_SHOWN) lines.push(`      cause:  ${p.cause.text.trim()}`, `      effect: ${p.effect.text.trim()}`);
    });
    const unpaired = r.unpairedCauses + r.unpairedEffects;
    if (unpaired > 0) lines.push(`    without a partner: ${r.unpairedCauses} of ${r.causes} causes, ${r.unpairedEffects} of ${r.effects} effects`);
  }
  return lines;
}

function summary(r: RuleResult, boundOf: BoundOf, unit: string): string {
  if (r.pairs === 0) return `no pairs (${r.causes} cause lines, ${r.effects} effect lines matched)`;
  const t = r.tightest!;
  return `${r.inverted.length} of ${r.pairs} out of order, smallest margin ${t.margin} ${unit} (${direction(t)}, ${boundText(pairBound(t, boundOf), unit)})`;
}

function invertedText(p: CausalPair, bound: bigint | undefined, unit: string): string {
  const early = -p.margin;
  const where = bound === undefined ? boundText(bound, unit) : early <= bound ? `within the ${boundText(bound, unit)}` : `beyond the ${boundText(bound, unit)}`;
  return `the effect is ${early} ${unit} before its cause (${direction(p)}, ${where})`;
}

function direction(p: CausalPair): string {
  return `${p.cause.machine} → ${p.effect.machine}`;
}

function boundText(bound: bigint | undefined, unit: string): string {
  return bound === undefined ? "sync bound unknown" : `sync bound ± ${bound} ${unit}`;
}

const quote = (s: string) => `'${s}'`;
