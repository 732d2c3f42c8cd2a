// sync-check --causal, the pure parts: rules (regexes checked, `\1` rewritten to a key group),
// pairing by key in timeline order, the sync bound beside a margin, and the report text.

import { describe, expect, test } from "bun:test";
import { pairBound, roundBoundAt } from "../../../src/merge/causal-bound.ts";
import { pairCausal, type TimelineLine } from "../../../src/merge/causal-pairs.ts";
import { causalRule } from "../../../src/merge/causal-rule.ts";
import { formatCausal } from "../../../src/merge/causal-text.ts";
import { UsageError } from "../../../src/errors.ts";

function line(time: number, machine: string, text: string, tsRaw = BigInt(time)): TimelineLine {
  return { text: `(${machine}): sh-1 [000] ${time}: print: tracing_mark_write: ${text}`, time: BigInt(time), machine, tsRaw };
}

function usageError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error("no error");
}

describe("causalRule()", () => {
  test("\\1 in EFFECT becomes a capture group with the cause group's pattern; later \\1s refer to it", () => {
    expect(causalRule("GPING (\\d+)", "HPONG \\1").effectRe.source).toBe("HPONG (\\d+)");
    expect(causalRule("(?<seq>\\d+) ping", "pong \\1 again \\1$").effectRe.source).toBe("pong (\\d+) again \\1$");
    // Non-capturing groups and lookarounds are not the key; \1 in a class and \10 are not backreferences.
    expect(causalRule("(?:a|b)(?=x)x(\\w+)(?<!q)", "[\\1] \\10 \\1").effectRe.source).toBe("[\\1] \\10 (\\w+)");
    // An EFFECT with its own group keeps it.
    expect(causalRule("GPING (\\d+)", "HPONG (\\d+)").effectRe.source).toBe("HPONG (\\d+)");
  });

  test("a regex that does not compile is one usage error naming it", () => {
    expect(usageError(() => causalRule("GPING (", "HPONG \\1"))).toMatch(/^invalid --causal CAUSE 'GPING \(': \S/);
    expect(usageError(() => causalRule("GPING (\\d+)", "HPONG [\\1"))).toMatch(/^invalid --causal EFFECT 'HPONG \[\\1': \S/);
    expect(() => causalRule("GPING (\\d+)", "HPONG \\1")).not.toThrow();
  });

  test("the key must be one capture group in CAUSE and one (its own, or \\1) in EFFECT", () => {
    expect(usageError(() => causalRule("GPING \\d+", "HPONG (\\d+)"))).toBe("--causal CAUSE 'GPING \\d+' needs exactly one capture group, the key that pairs it with its effect (it has 0)");
    expect(usageError(() => causalRule("(G)PING (\\d+)", "HPONG \\1"))).toContain("needs exactly one capture group, the key that pairs it with its effect (it has 2)");
    expect(usageError(() => causalRule("(?:G)PING (\\d+)", "HPONG \\d+"))).toBe("--causal EFFECT 'HPONG \\d+' needs a capture group for the key, or \\1 for the cause's key");
    expect(usageError(() => causalRule("GPING (\\d+)", "(HPONG) (\\d+)"))).toBe("--causal EFFECT '(HPONG) (\\d+)' needs one capture group for the key (it has 2)");
    expect(usageError(() => causalRule("GPING (\\d+)", "HPONG (\\d+) \\1"))).toBe("--causal EFFECT 'HPONG (\\d+) \\1' has a capture group and \\1: give one of them for the key, not both");
  });
});

describe("pairCausal()", () => {
  const pingPong = [line(100, "g1", "GPING 1"), line(150, "host", "HPONG 1"), line(200, "g1", "GPING 2"), line(260, "host", "HPONG 2")];

  test("pairs by key: margins, none out of order, the tightest pair", () => {
    const [r] = pairCausal([causalRule("GPING (\\d+)", "HPONG (\\d+)")], pingPong);
    expect({ pairs: r!.pairs, inverted: r!.inverted.length, tightest: r!.tightest?.margin, key: r!.tightest?.key }).toEqual({ pairs: 2, inverted: 0, tightest: 50n, key: "1" });
  });

  test("the \\1 form pairs as the group form does, and key 1 does not take HPONG 12", () => {
    const lines = [line(1, "g1", "GPING 1"), line(2, "g1", "GPING 12"), line(3, "host", "HPONG 12"), line(9, "host", "HPONG 1")];
    for (const effect of ["HPONG \\1", "HPONG (\\d+)"]) {
      const [r] = pairCausal([causalRule("GPING (\\d+)", effect)], lines);
      expect({ effect, margins: [r!.tightest!.margin], pairs: r!.pairs, unpaired: r!.unpairedCauses + r!.unpairedEffects }).toEqual({ effect, margins: [1n], pairs: 2, unpaired: 0 });
    }
  });

  test("an effect the timeline puts before its cause is still paired, and counted out of order (an equal time too)", () => {
    const lines = [line(100, "host", "HPONG 1"), line(120, "g1", "GPING 1"), line(200, "g1", "GPING 2"), line(200, "host", "HPONG 2")];
    const [r] = pairCausal([causalRule("GPING (\\d+)", "HPONG \\1")], lines);
    expect(r!.inverted.map((p) => [p.key, p.margin, p.cause.machine, p.effect.machine])).toEqual([
      ["1", -20n, "g1", "host"],
      ["2", 0n, "g1", "host"],
    ]);
    expect(r!.tightest!.margin).toBe(-20n);
  });

  test("a repeated key pairs the n-th cause with the n-th effect", () => {
    const lines = [line(1, "g1", "GPING 7"), line(2, "host", "HPONG 7"), line(10, "g1", "GPING 7"), line(8, "host", "HPONG 7")].sort((a, b) => Number(a.time - b.time));
    const [r] = pairCausal([causalRule("GPING (\\d+)", "HPONG \\1")], lines);
    expect([r!.pairs, r!.inverted.map((p) => p.margin)]).toEqual([2, [-2n]]);
  });

  test("causes and effects without a partner are counted, not paired", () => {
    const lines = [line(1, "g1", "GPING 1"), line(2, "g1", "GPING 2"), line(3, "host", "HPONG 2"), line(4, "host", "HPONG 3"), line(5, "host", "HPONG 4")];
    const [r] = pairCausal([causalRule("GPING (\\d+)", "HPONG \\1")], lines);
    expect([r!.pairs, r!.causes, r!.effects, r!.unpairedCauses, r!.unpairedEffects]).toEqual([1, 2, 3, 1, 2]);
  });

  test("several rules see every line; a line may be one rule's effect and another's cause, but not both in one rule", () => {
    const lines = [line(1, "host", "REQ 5"), line(3, "g1", "ACK 5"), line(2, "g1", "DONE 5")].sort((a, b) => Number(a.time - b.time));
    const rules = [causalRule("REQ (\\d+)", "ACK \\1"), causalRule("ACK (\\d+)", "DONE \\1"), causalRule("(?:REQ|ACK) (\\d+)", "(?:REQ|ACK|DONE) (\\d+)")];
    const [a, b, c] = pairCausal(rules, lines);
    expect([a!.pairs, a!.inverted.length, b!.pairs, b!.inverted.map((p) => p.margin)]).toEqual([1, 0, 1, [-1n]]);
    // REQ and ACK match the third rule's CAUSE only: DONE is their only effect.
    expect([c!.causes, c!.effects, c!.pairs, c!.unpairedCauses]).toEqual([2, 1, 1, 1]);
  });

  test("the report line is matched as a whole: a rule can pick a machine by its tag", () => {
    const lines = [line(1, "g1", "PING 1"), line(2, "g2", "PING 1"), line(3, "host", "PONG 1")];
    const [r] = pairCausal([causalRule("^ *\\(g2\\):.*PING (\\d+)", "PONG \\1")], lines);
    expect([r!.pairs, r!.tightest!.cause.machine, r!.causes]).toEqual([1, "g2", 1]);
  });
});

describe("sync bounds", () => {
  const rounds = [
    { offset: 0n, errorBound: 50n, guestTs: 1_000n, probes: 6 },
    { offset: 0n, errorBound: 20n, guestTs: 2_000n, probes: 6 },
    { offset: 0n, errorBound: 90n, guestTs: 3_000n, probes: 6 },
  ];

  test("roundBoundAt(): the larger of the rounds around a time, the nearest at the ends", () => {
    expect([500n, 1_000n, 1_500n, 2_000n, 2_500n, 9_000n].map((t) => roundBoundAt(rounds, t))).toEqual([50n, 50n, 50n, 20n, 90n, 90n]);
    expect(roundBoundAt([], 5n)).toBeUndefined();
  });

  test("pairBound(): 0 on one machine, the sum across machines, unknown when one is", () => {
    const boundOf = (l: TimelineLine) => ({ host: 0n, g1: 30n, g2: 40n })[l.machine as "host"];
    const pair = (a: string, b: string) => ({ key: "1", cause: line(1, a, "x"), effect: line(2, b, "y"), margin: 1n });
    expect([pairBound(pair("g1", "g1"), boundOf), pairBound(pair("g1", "host"), boundOf), pairBound(pair("g1", "g2"), boundOf), pairBound(pair("g1", "g9"), boundOf)]).toEqual([0n, 30n, 70n, undefined]);
  });
});

describe("formatCausal()", () => {
  test("per rule the count and smallest margin; each pair out of order beside its bound, with its lines", () => {
    const lines = [line(100, "host", "HPONG 1"), line(120, "g1", "GPING 1"), line(300, "host", "HPONG 2"), line(1_000, "g1", "GPING 2"), line(1_100, "host", "HPONG 3")];
    const results = pairCausal([causalRule("GPING (\\d+)", "HPONG \\1")], lines);
    const text = formatCausal(results, (l) => (l.machine === "host" ? 0n : 500n), "ns");
    expect(text).toEqual([
      "causal pairs from --causal (vtrace report's lines; the n-th CAUSE with a key pairs with the n-th EFFECT with that key; ns):",
      "  'GPING (\\d+)' < 'HPONG \\1': 2 of 2 out of order, smallest margin -700 ns (g1 → host, sync bound ± 500 ns)",
      "    out of order, key 1: the effect is 20 ns before its cause (g1 → host, within the sync bound ± 500 ns)",
      "      cause:  (g1): sh-1 [000] 120: print: tracing_mark_write: GPING 1",
      "      effect: (host): sh-1 [000] 100: print: tracing_mark_write: HPONG 1",
      "    out of order, key 2: the effect is 700 ns before its cause (g1 → host, beyond the sync bound ± 500 ns)",
      "      cause:  (g1): sh-1 [000] 1000: print: tracing_mark_write: GPING 2",
      "      effect: (host): sh-1 [000] 300: print: tracing_mark_write: HPONG 2",
      "    without a partner: 0 of 2 causes, 1 of 3 effects",
    ]);
  });

  test("a rule with no pairs says what matched; an unknown bound says so", () => {
    const results = pairCausal([causalRule("GPING (\\d+)", "HPONG \\1"), causalRule("A (\\d+)", "B \\1")], [line(5, "g1", "GPING 1"), line(9, "host", "HPONG 1"), line(1, "g1", "A 1")]);
    const text = formatCausal(results, () => undefined, "cycles");
    expect(text.slice(1)).toEqual([
      "  'GPING (\\d+)' < 'HPONG \\1': 0 of 1 out of order, smallest margin 4 cycles (g1 → host, sync bound unknown)",
      "  'A (\\d+)' < 'B \\1': no pairs (1 cause lines, 0 effect lines matched)",
      "    without a partner: 1 of 1 causes, 0 of 0 effects",
    ]);
  });
});
