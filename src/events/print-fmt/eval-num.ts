// Compiles an expression to a closure computing its value as libtraceevent's eval_num_arg() does:
// every value is an unsigned 64-bit integer, fields are read without sign extension, casts only
// mask to the cast width (eval_type_str()), comparisons are unsigned.
// Source of truth: libtraceevent src/event-parse.c eval_num_arg(), eval_type_str().

import { dynamicLoc, readSmall, readU, type Rec } from "../field-info.ts";
import { isFieldRef, type Expr } from "./ast.ts";
import type { CompileCtx } from "./context.ts";
import { sizeOfType } from "./sizes.ts";

export type NumFn = (r: Rec) => bigint;

const U64 = (v: bigint) => BigInt.asUintN(64, v);

export function compileNum(e: Expr, ctx: CompileCtx): NumFn {
  // `-1UL`, `(u64)-1` and their like are folded once: per record they cost bigint calls.
  if (e.k !== "num" && readsNoRecord(e)) {
    const v = compileTree(e, ctx)(NO_RECORD);
    return () => v;
  }
  return compileTree(e, ctx);
}

/** A record of no bytes: what an expression that reads none is evaluated on. */
const NO_RECORD: Rec = { bytes: new Uint8Array(0), le: true };

/** True when the expression reads nothing of the record: literals, symbols, sizeof, and their arithmetic. */
export function readsNoRecord(e: Expr): boolean {
  switch (e.k) {
    case "num":
    case "ident":
    case "str":
    case "list":
    case "sizeof":
      return true;
    case "cast":
    case "unary":
      return readsNoRecord(e.e);
    case "binary":
      return readsNoRecord(e.l) && readsNoRecord(e.r);
    case "cond":
      return readsNoRecord(e.c) && readsNoRecord(e.t) && readsNoRecord(e.f);
    default:
      return false;
  }
}

/** The value of an expression that reads nothing of the record; undefined for any other. */
export function constantValue(e: Expr, ctx: CompileCtx): bigint | undefined {
  return readsNoRecord(e) ? compileTree(e, ctx)(NO_RECORD) : undefined;
}

function compileTree(e: Expr, ctx: CompileCtx): NumFn {
  switch (e.k) {
    case "num": {
      const v = U64(e.v);
      return () => v;
    }
    case "ident": {
      const v = identValue(e.name, ctx);
      return () => v;
    }
    case "str":
    case "list":
      return () => 0n;
    case "field":
      return fieldNum(e.name, ctx);
    case "cast":
      return castNum(e.type, compileNum(e.e, ctx));
    case "unary":
      return unaryNum(e.op, compileNum(e.e, ctx));
    case "binary":
      return binaryNum(e.op, compileNum(e.l, ctx), compileNum(e.r, ctx));
    case "cond": {
      const c = compileNum(e.c, ctx);
      const t = compileNum(e.t, ctx);
      const f = compileNum(e.f, ctx);
      return (r) => (c(r) !== 0n ? t(r) : f(r));
    }
    case "index":
      return indexNum(e, ctx);
    case "call":
      return callNum(e.name, e.args, ctx);
    case "sizeof": {
      const v = BigInt(e.field !== undefined ? (ctx.fields.get(e.field)?.size ?? 0) : sizeOfType(e.type, ctx.longSize));
      return () => v;
    }
  }
}

function fieldNum(name: string, ctx: CompileCtx): NumFn {
  const f = ctx.fields.get(name);
  if (!f) return () => 0n;
  const { offset, size } = f;
  if (size <= 4) return (r) => BigInt(readSmall(r, offset, size));
  return (r) => readU(r, offset, size);
}

/** libtraceevent eval_type_str(): masks for the small integer types, everything else unchanged. */
export function castMask(type: string): bigint | undefined {
  const t = type.replace(/^unsigned /, "");
  if (type.endsWith("*") || type.startsWith("struct")) return undefined;
  if (t === "u8" || t === "s8" || t === "char") return 0xffn;
  if (t === "u16" || t === "s16" || t === "short") return 0xffffn;
  if (t === "u32" || t === "s32" || t === "int") return 0xffffffffn;
  return undefined;
}

function castNum(type: string, inner: NumFn): NumFn {
  const mask = castMask(type);
  return mask === undefined ? inner : (r) => inner(r) & mask;
}

function unaryNum(op: string, e: NumFn): NumFn {
  switch (op) {
    case "-":
      return (r) => U64(-e(r));
    case "!":
      return (r) => (e(r) === 0n ? 1n : 0n);
    case "~":
      return (r) => U64(~e(r));
    default:
      return () => 0n;
  }
}

const b = (x: boolean) => (x ? 1n : 0n);

function binaryNum(op: string, l: NumFn, r: NumFn): NumFn {
  switch (op) {
    case "+":
      return (x) => U64(l(x) + r(x));
    case "-":
      return (x) => U64(l(x) - r(x));
    case "*":
      return (x) => U64(l(x) * r(x));
    case "/":
      return (x) => {
        const d = r(x);
        return d === 0n ? 0n : l(x) / d;
      };
    case "%":
      return (x) => {
        const d = r(x);
        return d === 0n ? 0n : l(x) % d;
      };
    case "<<":
      return (x) => U64(l(x) << (r(x) & 63n));
    case ">>":
      return (x) => l(x) >> (r(x) & 63n);
    case "&":
      return (x) => l(x) & r(x);
    case "|":
      return (x) => l(x) | r(x);
    case "&&":
      return (x) => b(l(x) !== 0n && r(x) !== 0n);
    case "||":
      return (x) => b(l(x) !== 0n || r(x) !== 0n);
    case "==":
      return (x) => b(l(x) === r(x));
    case "!=":
      return (x) => b(l(x) !== r(x));
    case "<":
      return (x) => b(l(x) < r(x));
    case ">":
      return (x) => b(l(x) > r(x));
    case "<=":
      return (x) => b(l(x) <= r(x));
    case ">=":
      return (x) => b(l(x) >= r(x));
    default:
      // libtraceevent has no '^' in eval_num_arg: it warns and yields 0.
      return () => 0n;
  }
}

function indexNum(e: Extract<Expr, { k: "index" }>, ctx: CompileCtx): NumFn {
  const idx = compileNum(e.i, ctx);
  let base = e.e;
  let castType: string | undefined;
  while (base.k === "cast") {
    castType ??= base.type;
    base = base.e;
  }
  const mask = castType === undefined ? undefined : castMask(castType.replace(/\s*\*$/, ""));
  const finish = (v: bigint) => (mask === undefined ? v : v & mask);
  if (base.k === "field") {
    const f = ctx.fields.get(base.name);
    if (!f) return () => 0n;
    const size = f.elementSize;
    return (r) => finish(readU(r, f.offset + Number(idx(r)) * size, size));
  }
  if (base.k === "call" && base.name.match(/^__get_(rel_)?dynamic_array$/) && isFieldRef(base.args[0])) {
    const f = ctx.fields.get(base.args[0]!.name);
    if (!f) return () => 0n;
    const size = f.elementSize || ctx.longSize;
    return (r) => finish(readU(r, dynamicLoc(r, f).offset + Number(idx(r)), size));
  }
  return () => 0n;
}

function callNum(name: string, args: Expr[], ctx: CompileCtx): NumFn {
  const field = isFieldRef(args[0]) ? ctx.fields.get(args[0].name) : undefined;
  switch (name) {
    case "__get_dynamic_array_len":
    case "__get_rel_dynamic_array_len":
      return field ? (r) => BigInt(dynamicLoc(r, field).len) : () => 0n;
    case "__builtin_expect":
      return args[0] ? compileNum(args[0], ctx) : () => 0n;
    case "jiffies_to_msecs":
      return args[0] ? compileNum(args[0], ctx) : () => 0n;
    case "is_writable_pte": {
      // plugin_kvm.c process_is_writable_pte(): pte & PT_WRITABLE_MASK
      const pte = args[0] ? compileNum(args[0], ctx) : () => 0n;
      return (r) => pte(r) & 2n;
    }
    default:
      return () => 0n;
  }
}

/** A bare identifier is worth the address of the kallsyms symbol of that name, else 0 (test_for_symbol()). */
export function identValue(name: string, ctx: CompileCtx): bigint {
  return /^\d/.test(name) ? 0n : (ctx.symbols.addressOf?.(name) ?? 0n);
}
