// `sync-check --causal`: pairs the merged timeline's lines by the rules' keys and counts the pairs it
// puts in the wrong order. The n-th CAUSE line with key K pairs with the n-th EFFECT line with key K,
// counted in timeline order on each side, so an effect that the timeline puts before its cause
// still finds it. A line that matches a rule's CAUSE is not also tested as that rule's EFFECT (it
// may be another rule's). Margin = effect time − cause time; 0 or less is out of order (the
// timeline cannot say the cause came first). Pure.

import type { CausalRule } from "./causal-rule.ts";

/** One record of the merged timeline as `vtrace report` prints it. */
export interface TimelineLine {
  /** The report line, without its newline. */
  text: string;
  /** Merged-timeline time (the report's, ns when the files convert to ns). */
  time: bigint;
  /** "host", a guest's name, or the file name when the inputs are not a host + guests set. */
  machine: string;
  /** The record's time on its own machine's clock (before TIME_SHIFT, TSC2NSEC and offsets). */
  tsRaw: bigint;
}

export interface CausalPair {
  key: string;
  cause: TimelineLine;
  effect: TimelineLine;
  /** effect.time − cause.time. */
  margin: bigint;
}

export interface RuleResult {
  rule: CausalRule;
  pairs: number;
  /** The pairs with margin <= 0, in the order their second line appeared. */
  inverted: CausalPair[];
  /** The pair with the smallest margin. */
  tightest?: CausalPair;
  causes: number;
  effects: number;
  unpairedCauses: number;
  unpairedEffects: number;
}

interface Waiting {
  causes: TimelineLine[];
  effects: TimelineLine[];
}

class RulePairing {
  readonly result: RuleResult;
  readonly #waiting = new Map<string, Waiting>();

  constructor(readonly rule: CausalRule) {
    this.result = { rule, pairs: 0, inverted: [], causes: 0, effects: 0, unpairedCauses: 0, unpairedEffects: 0 };
  }

  see(line: TimelineLine): void {
    const cause = this.rule.causeRe.exec(line.text);
    if (cause) {
      this.result.causes++;
      this.#add(cause[1] ?? "", line, "causes");
      return;
    }
    const effect = this.rule.effectRe.exec(line.text);
    if (effect) {
      this.result.effects++;
      this.#add(effect[1] ?? "", line, "effects");
    }
  }

  /** Queues the line, or pairs it with the oldest waiting line of the other side with its key. */
  #add(key: string, line: TimelineLine, side: "causes" | "effects"): void {
    let waiting = this.#waiting.get(key);
    if (!waiting) this.#waiting.set(key, (waiting = { causes: [], effects: [] }));
    const other = side === "causes" ? waiting.effects : waiting.causes;
    const partner = other.shift();
    if (!partner) {
      waiting[side].push(line);
      return;
    }
    const [cause, effect] = side === "causes" ? [line, partner] : [partner, line];
    this.#pair({ key, cause, effect, margin: effect.time - cause.time });
  }

  #pair(p: CausalPair): void {
    const r = this.result;
    r.pairs++;
    if (p.margin <= 0n) r.inverted.push(p);
    if (!r.tightest || p.margin < r.tightest.margin) r.tightest = p;
  }

  finish(): RuleResult {
    for (const w of this.#waiting.values()) {
      this.result.unpairedCauses += w.causes.length;
      this.result.unpairedEffects += w.effects.length;
    }
    return this.result;
  }
}

/** Feeds timeline lines (in timeline order) to every rule; results() once all are seen. */
export class CausalPairing {
  readonly #rules: RulePairing[];

  constructor(rules: readonly CausalRule[]) {
    this.#rules = rules.map((r) => new RulePairing(r));
  }

  see(line: TimelineLine): void {
    for (const r of this.#rules) r.see(line);
  }

  results(): RuleResult[] {
    return this.#rules.map((r) => r.finish());
  }
}

/** Pairs the lines by every rule. */
export function pairCausal(rules: readonly CausalRule[], lines: Iterable<TimelineLine>): RuleResult[] {
  const pairing = new CausalPairing(rules);
  for (const line of lines) pairing.see(line);
  return pairing.results();
}
