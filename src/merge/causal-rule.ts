// `sync-check --causal CAUSE EFFECT`: the two regexes of one rule, checked and made ready to pair.
// CAUSE has one capture group, the key. EFFECT has its own capture group for the key, or `\1` for
// "the text CAUSE's group matched": `\1` becomes a capture group with the cause group's pattern
// (`'GPING (\d+)' 'HPONG \1'` pairs like `'GPING (\d+)' 'HPONG (\d+)'`), so each line is matched once
// and pairing is a key lookup, not one regex per pending cause. Pure.

import { UsageError } from "../errors.ts";

export interface CausalRule {
  /** As given on the command line. */
  cause: string;
  effect: string;
  causeRe: RegExp;
  /** Group 1 is the key. */
  effectRe: RegExp;
}

interface Group {
  /** Index of "(" and of its ")". */
  open: number;
  close: number;
  /** Where the group's own pattern starts (after "(" or "(?<name>"). */
  inner: number;
}

interface RegexShape {
  groups: Group[];
  /** Indexes of `\1` (not `\10`) outside character classes. */
  backrefs: number[];
}

/** Checks and compiles one --causal rule; a bad one is a UsageError naming the regex. */
export function causalRule(cause: string, effect: string): CausalRule {
  const causeRe = compile(cause, "CAUSE");
  compile(effect, "EFFECT");
  const causeShape = regexShape(cause);
  if (causeShape.groups.length !== 1) {
    throw new UsageError(`--causal CAUSE '${cause}' needs exactly one capture group, the key that pairs it with its effect (it has ${causeShape.groups.length})`);
  }
  return { cause, effect, causeRe, effectRe: compile(effectSource(effect, cause, causeShape.groups[0]!), "EFFECT") };
}

/** EFFECT with one capture group for the key: its own, or `\1` rewritten to the cause group's pattern. */
function effectSource(effect: string, cause: string, key: Group): string {
  const shape = regexShape(effect);
  const own = shape.groups.length;
  const refs = shape.backrefs.length;
  if (own > 0 && refs > 0) throw new UsageError(`--causal EFFECT '${effect}' has a capture group and \\1: give one of them for the key, not both`);
  if (own > 1) throw new UsageError(`--causal EFFECT '${effect}' needs one capture group for the key (it has ${own})`);
  if (own === 0 && refs === 0) throw new UsageError(`--causal EFFECT '${effect}' needs a capture group for the key, or \\1 for the cause's key`);
  if (refs === 0) return effect;
  // The first \1 captures; later ones stay backreferences, to that group now.
  const at = shape.backrefs[0]!;
  return `${effect.slice(0, at)}(${cause.slice(key.inner, key.close)})${effect.slice(at + 2)}`;
}

function compile(source: string, what: string): RegExp {
  try {
    return new RegExp(source);
  } catch (e) {
    // V8 says "Invalid regular expression: /SRC/: why", JavaScriptCore "Invalid regular expression: why".
    const why = (e as Error).message.replace(/^Invalid regular expression: (\/.*\/[a-z]*: )?/s, "");
    throw new UsageError(`invalid --causal ${what} '${source}': ${why}`);
  }
}

/**
 * The capture groups and `\1`s of a regex that compiled: escapes and character classes are
 * skipped, "(?:", "(?=", "(?!", "(?<=", "(?<!" do not capture, "(?<name>" does.
 */
function regexShape(src: string): RegexShape {
  const groups: Group[] = [];
  const backrefs: number[] = [];
  const open: { at: number; inner: number | undefined }[] = [];
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === "\\") {
      if (!inClass && src[i + 1] === "1" && !/[0-9]/.test(src[i + 2] ?? "")) backrefs.push(i);
      i++;
    } else if (inClass) {
      if (c === "]") inClass = false;
    } else if (c === "[") {
      inClass = true;
    } else if (c === "(") {
      open.push({ at: i, inner: captureStart(src, i) });
    } else if (c === ")") {
      const g = open.pop();
      if (g?.inner !== undefined) groups.push({ open: g.at, close: i, inner: g.inner });
    }
  }
  return { groups: groups.sort((a, b) => a.open - b.open), backrefs };
}

/** Where a capturing group's pattern starts, or undefined when the "(" at i does not capture. */
function captureStart(src: string, i: number): number | undefined {
  if (src[i + 1] !== "?") return i + 1;
  if (src[i + 2] !== "<" || src[i + 3] === "=" || src[i + 3] === "!") return undefined;
  return src.indexOf(">", i) + 1;
}
