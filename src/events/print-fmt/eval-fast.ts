// A number-only twin of eval-num.ts for the common case: every intermediate value of
// libtraceevent's u64 arithmetic is a non-negative integer below 2^53, so doubles hold it exactly.
// A closure returns NaN when a value leaves that range (a wrap, a 64-bit pointer); callers then
// fall back to the bigint evaluator. An expression it cannot handle at all compiles to undefined.
// Source of truth: the semantics of eval-num.ts (libtraceevent eval_num_arg()).

import { dynamicLoc, readHi, readLo, readSmall, type Rec } from "../field-info.ts";
import { isFieldRef, type Expr } from "./ast.ts";
import type { CompileCtx } from "./context.ts";
import { castMask, compileNum, constantValue, identValue } from "./eval-num.ts";
import { sizeOfType } from "./sizes.ts";

export type FastFn = (r: Rec) => number;

const TWO32 = 4294967296;
const MAX = Number.MAX_SAFE_INTEGER;

export function compileFast(e: Expr, ctx: CompileCtx): FastFn | undefined {
  switch (e.k) {
    case "num": {
      if (e.v > BigInt(MAX)) return undefined;
      const v = Number(e.v);
      return () => v;
    }
    case "ident": {
      const v = identValue(e.name, ctx);
      if (v > BigInt(MAX)) return undefined;
      const n = Number(v);
      return () => n;
    }
    case "str":
    case "list":
      return () => 0;
    case "field":
      return fieldFast(e.name, ctx);
    case "cast":
      return castFast(e.type, compileFast(e.e, ctx));
    case "unary":
      return unaryFast(e.op, compileFast(e.e, ctx));
    case "binary":
      return compareWithHuge(e.op, e.l, e.r, ctx) ?? binaryFast(e.op, compileFast(e.l, ctx), compileFast(e.r, ctx));
    case "cond": {
      const c = compileFast(e.c, ctx);
      const t = compileFast(e.t, ctx);
      const f = compileFast(e.f, ctx);
      if (!c || !t || !f) return undefined;
      return (r) => {
        const v = c(r);
        return v !== v ? NaN : v !== 0 ? t(r) : f(r);
      };
    }
    case "index":
      return indexFast(e, ctx);
    case "call":
      return callFast(e.name, e.args, ctx);
    case "sizeof": {
      const v = e.field !== undefined ? (ctx.fields.get(e.field)?.size ?? 0) : sizeOfType(e.type, ctx.longSize);
      return () => v;
    }
  }
}

/**
 * A condition as a boolean: the number evaluator while its value is exact, the bigint one past that
 * (or for an expression the number one cannot do).
 */
export function compileTruth(e: Expr, ctx: CompileCtx): (r: Rec) => boolean {
  const big = compileNum(e, ctx);
  const fast = compileFast(e, ctx);
  if (!fast) return (r) => big(r) !== 0n;
  return (r) => {
    const v = fast(r);
    return v === v ? v !== 0 : big(r) !== 0n;
  };
}

/** For a value below 2^53 (left) and a constant past it (right): the unsigned comparison's answer. */
const BELOW_HUGE: Readonly<Record<string, number>> = { "==": 0, "!=": 1, "<": 1, "<=": 1, ">": 0, ">=": 0 };
const MIRRORED: Readonly<Record<string, string>> = { "==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

/**
 * `REC->pfn != -1UL` and its like: a comparison with a constant past 2^53, whose answer is known
 * while the other side is exact. undefined for any other expression.
 */
function compareWithHuge(op: string, l: Expr, r: Expr, ctx: CompileCtx): FastFn | undefined {
  if (BELOW_HUGE[op] === undefined) return undefined;
  const huge = (e: Expr) => (constantValue(e, ctx) ?? 0n) > BigInt(MAX);
  const [side, answer] = huge(r) && !huge(l) ? [l, BELOW_HUGE[op]!] : huge(l) && !huge(r) ? [r, BELOW_HUGE[MIRRORED[op]!]!] : [undefined, 0];
  const value = side && compileFast(side, ctx);
  if (!value) return undefined;
  return (x) => {
    const v = value(x);
    return v !== v ? NaN : answer;
  };
}

function wide(r: Rec, at: number): number {
  const hi = readHi(r, at);
  return hi < 0x200000 ? hi * TWO32 + readLo(r, at) : NaN;
}

function fieldFast(name: string, ctx: CompileCtx): FastFn | undefined {
  const f = ctx.fields.get(name);
  if (!f) return () => 0;
  const { offset, size } = f;
  if (size === 1 || size === 2 || size === 4) return (r) => readSmall(r, offset, size);
  if (size === 8) return (r) => wide(r, offset);
  return () => 0;
}

function castFast(type: string, inner: FastFn | undefined): FastFn | undefined {
  if (!inner) return undefined;
  const mask = castMask(type);
  if (mask === undefined) return inner;
  const m = Number(mask) + 1;
  return (r) => inner(r) % m;
}

function unaryFast(op: string, e: FastFn | undefined): FastFn | undefined {
  if (!e) return undefined;
  switch (op) {
    case "!":
      return (r) => {
        const v = e(r);
        return v !== v ? NaN : v === 0 ? 1 : 0;
      };
    case "-":
      return (r) => (e(r) === 0 ? 0 : NaN);
    default:
      return undefined;
  }
}

const u32 = (v: number) => v <= 0xffffffff;

function bitOp(op: "&" | "|", a: number, b: number): number {
  if (u32(a) && u32(b)) return (op === "&" ? a & b : a | b) >>> 0;
  const ah = Math.floor(a / TWO32);
  const bh = Math.floor(b / TWO32);
  const hi = op === "&" ? ah & bh : ah | bh;
  const lo = (op === "&" ? a & b : a | b) >>> 0;
  return hi * TWO32 + lo;
}

function binaryFast(op: string, l: FastFn | undefined, r: FastFn | undefined): FastFn | undefined {
  if (!l || !r) return undefined;
  const both = (f: (a: number, b: number) => number): FastFn => (x) => {
    const a = l(x);
    const b = r(x);
    return a !== a || b !== b ? NaN : f(a, b);
  };
  switch (op) {
    case "+":
      return both((a, b) => (a + b <= MAX ? a + b : NaN));
    case "-":
      return both((a, b) => (a >= b ? a - b : NaN));
    case "*":
      return both((a, b) => (a * b <= MAX ? a * b : NaN));
    case "/":
      return both((a, b) => (b === 0 ? 0 : u32(a) && u32(b) ? Math.floor(a / b) : NaN));
    case "%":
      return both((a, b) => (b === 0 ? 0 : u32(a) && u32(b) ? a % b : NaN));
    case "<<":
      return both((a, b) => (b < 53 && a * 2 ** b <= MAX ? a * 2 ** b : NaN));
    case ">>":
      return both((a, b) => (b < 53 ? Math.floor(a / 2 ** b) : b < 64 ? 0 : NaN));
    case "&":
    case "|":
      return both((a, b) => bitOp(op, a, b));
    case "&&":
      return both((a, b) => (a !== 0 && b !== 0 ? 1 : 0));
    case "||":
      return both((a, b) => (a !== 0 || b !== 0 ? 1 : 0));
    case "==":
      return both((a, b) => (a === b ? 1 : 0));
    case "!=":
      return both((a, b) => (a !== b ? 1 : 0));
    case "<":
      return both((a, b) => (a < b ? 1 : 0));
    case ">":
      return both((a, b) => (a > b ? 1 : 0));
    case "<=":
      return both((a, b) => (a <= b ? 1 : 0));
    case ">=":
      return both((a, b) => (a >= b ? 1 : 0));
    default:
      return () => 0;
  }
}

function indexFast(e: Extract<Expr, { k: "index" }>, ctx: CompileCtx): FastFn | undefined {
  if (e.e.k !== "field") return undefined;
  const f = ctx.fields.get(e.e.name);
  const idx = compileFast(e.i, ctx);
  if (!f || !idx) return undefined;
  const size = f.elementSize;
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8) return undefined;
  return (r) => {
    const i = idx(r);
    if (i !== i) return NaN;
    const at = f.offset + i * size;
    return size === 8 ? wide(r, at) : readSmall(r, at, size);
  };
}

function callFast(name: string, args: Expr[], ctx: CompileCtx): FastFn | undefined {
  switch (name) {
    case "__get_dynamic_array_len":
    case "__get_rel_dynamic_array_len": {
      const f = isFieldRef(args[0]) ? ctx.fields.get(args[0].name) : undefined;
      return f ? (r) => dynamicLoc(r, f).len : () => 0;
    }
    case "__builtin_expect":
    case "jiffies_to_msecs":
      return args[0] ? compileFast(args[0], ctx) : () => 0;
    default:
      return undefined;
  }
}
