// Compiles an argument printed by `%s` (and helper calls) as libtraceevent's print_str_arg() does.
// `put` applies the conversion's width/precision to each string piece, as print_str_to_seq() does.
// Source of truth: libtraceevent src/event-parse.c print_str_arg(), process_defined_func().

import { cString, type Rec } from "../field-info.ts";
import type { Expr } from "./ast.ts";
import type { CompileCtx } from "./context.ts";
import { compileTruth } from "./eval-fast.ts";
import { compileNum } from "./eval-num.ts";
import { compileHelper } from "./helpers.ts";

export type Put = (s: string) => string;

/** The `put` of a plain "%s": callers compare against it to cache plain renderings. */
export const identity: Put = (s) => s;
export type StrFn = (r: Rec, put: Put) => string;

export function compileStr(e: Expr, ctx: CompileCtx): StrFn {
  switch (e.k) {
    case "num":
      return (_r, put) => put(e.text);
    case "str":
      return (_r, put) => put(e.v);
    case "ident":
      return (_r, put) => put(e.name);
    case "field":
      return fieldStr(e.name, ctx);
    case "cond": {
      const truth = compileTruth(e.c, ctx);
      const t = compileStr(e.t, ctx);
      const f = compileStr(e.f, ctx);
      return (r, put) => (truth(r) ? t(r, put) : f(r, put));
    }
    case "call":
      return compileHelper(e.name, e.args, ctx) ?? (() => "");
    default:
      // Casts, operators and the rest print nothing with %s (TEP_PRINT_TYPE / TEP_PRINT_OP).
      return () => "";
  }
}

function fieldStr(name: string, ctx: CompileCtx): StrFn {
  const f = ctx.fields.get(name);
  if (!f) return () => "";
  if (!f.isArray && f.size === ctx.longSize) {
    const read = compileNum({ k: "field", name }, ctx);
    return (r) => {
      const addr = read(r);
      return ctx.printk.get(addr) ?? addr.toString(16);
    };
  }
  const { offset, size } = f;
  return (r, put) => put(cString(r.bytes, offset, size || r.bytes.length - offset));
}
