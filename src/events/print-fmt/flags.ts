// Value tables of __print_flags / __print_symbolic: `{ value, "name" }` entries.
// Source of truth: libtraceevent src/event-parse.c process_fields() (values folded by arg_eval())
// arg_num_eval(), arg_eval() and eval_flag() (non-numeric values: a few softirq/hrtimer names, else -1).

import { FormatError } from "../../errors.ts";
import type { Expr } from "./ast.ts";
import { castMask } from "./eval-num.ts";

export interface FlagEntry {
  value: bigint;
  name: string;
}

const KNOWN: Record<string, bigint> = {
  HI_SOFTIRQ: 0n, TIMER_SOFTIRQ: 1n, NET_TX_SOFTIRQ: 2n, NET_RX_SOFTIRQ: 3n, BLOCK_SOFTIRQ: 4n,
  IRQ_POLL_SOFTIRQ: 5n, TASKLET_SOFTIRQ: 6n, SCHED_SOFTIRQ: 7n, HRTIMER_SOFTIRQ: 8n, RCU_SOFTIRQ: 9n,
  HRTIMER_NORESTART: 0n, HRTIMER_RESTART: 1n,
};

export function flagTable(items: Expr[]): FlagEntry[] {
  const out: FlagEntry[] = [];
  for (const item of items) {
    if (item.k !== "list" || item.items.length < 2) continue;
    const [v, s] = item.items;
    out.push({ value: topValue(v!), name: s!.k === "str" ? s!.v : "" });
  }
  return out;
}

/** arg_eval() + eval_flag(): an atom keeps its text; an operator tree is folded to "%lld". */
function topValue(e: Expr): bigint {
  switch (e.k) {
    case "ident":
      return KNOWN[e.name] ?? -1n;
    case "num":
      return e.v;
    case "str":
      return leadingNumber(e.v) ?? -1n;
    case "cast":
      return topValue(e.e);
    default: {
      const v = fold(e);
      // A negative result prints as "-N", which eval_flag() does not read as a number.
      return v < 0n ? -1n : v;
    }
  }
}

function leadingNumber(text: string): bigint | undefined {
  const m = /^(0[xX][0-9a-fA-F]+|[0-9]+)/.exec(text);
  return m ? BigInt(m[1]!.startsWith("0") && !/^0[xX]/.test(m[1]!) && m[1]!.length > 1 ? `0o${m[1]!.slice(1)}` : m[1]!) : undefined;
}

/**
 * libtraceevent arg_num_eval(): signed 64-bit folding of the operators it knows; atoms read with
 * strtoll (a name reads as 0); casts mask. Any other operator makes the whole format fail.
 */
export function fold(e: Expr): bigint {
  switch (e.k) {
    case "num":
      return BigInt.asIntN(64, e.v);
    case "ident":
      return 0n;
    case "str":
      return leadingNumber(e.v) ?? 0n;
    case "cast": {
      const mask = castMask(e.type);
      const v = fold(e.e);
      return mask === undefined ? v : BigInt.asIntN(64, BigInt.asUintN(64, v) & mask);
    }
    case "unary": {
      const v = fold(e.e);
      if (e.op === "-") return BigInt.asIntN(64, -v);
      if (e.op === "~") return BigInt.asIntN(64, ~v);
      break;
    }
    case "binary":
      return BigInt.asIntN(64, foldOp(e.op, fold(e.l), fold(e.r)));
    default:
      break;
  }
  throw new FormatError("cannot evaluate a __print_flags/__print_symbolic value", { kind: e.k });
}

function foldOp(op: string, l: bigint, r: bigint): bigint {
  const b = (x: boolean) => (x ? 1n : 0n);
  switch (op) {
    case "+": return l + r;
    case "-": return l - r;
    case "<<": return l << (r & 63n);
    case ">>": return l >> (r & 63n);
    case "&": return l & r;
    case "|": return l | r;
    case "&&": return b(l !== 0n && r !== 0n);
    case "||": return b(l !== 0n || r !== 0n);
    case "==": return b(l === r);
    case "!=": return b(l !== r);
    case "<": return b(l < r);
    case ">": return b(l > r);
    case "<=": return b(l <= r);
    case ">=": return b(l >= r);
    default:
      throw new FormatError(`cannot evaluate operator '${op}' in a __print_flags/__print_symbolic value`, { op });
  }
}
