// The parsed filter of one event, shaped as libtraceevent's struct tep_filter_arg tree, and its
// text as tep_filter_make_string() prints it (what `trace-cmd report -T` shows: tests compare both).
// Source of truth: libtraceevent 1.7.1 src/parse-filter.c (arg types; arg_to_str() and friends).

import type { FieldInfo } from "../../events/field-info.ts";

/** A field of the event, or libtraceevent's two pseudo fields (used when the event has no such field). */
export type FieldRef = { kind: "field"; name: string; info: FieldInfo } | { kind: "comm"; name: "COMM" } | { kind: "cpu"; name: "CPU" };

export type CmpOp = "==" | "!=" | "<" | ">" | "<=" | ">=" | "=~" | "!~";
export type ExpOp = "+" | "-" | "*" | "/" | "%" | ">>" | "<<" | "&" | "|" | "^" | "~";
export type StrOp = "==" | "!=" | "=~" | "!~";

export type Node =
  /** TRUE/FALSE; also a name that is no field of the event (FALSE). */
  | { t: "bool"; value: boolean }
  | { t: "num"; value: bigint }
  /** A quoted value; single quotes are libtraceevent's TEP_FILTER_CHAR. */
  | { t: "str"; text: string; quote: "'" | '"' }
  | { t: "field"; field: FieldRef }
  | { t: "and" | "or"; left: Node | null; right: Node | null }
  | { t: "not"; right: Node | null }
  /** A numeric compare (TEP_FILTER_ARG_NUM). */
  | { t: "cmp"; op: CmpOp; left: Node | null; right: Node | null }
  /** A string compare of a field (TEP_FILTER_ARG_STR); regex for =~ and !~. */
  | { t: "strcmp"; op: StrOp; field: FieldRef; text: string; regex?: RegExp }
  /** Arithmetic (TEP_FILTER_ARG_EXP): a value, true when not zero. */
  | { t: "exp"; op: ExpOp; left: Node | null; right: Node | null };

export const TRUE: Node = { t: "bool", value: true };
export const FALSE: Node = { t: "bool", value: false };

/** arg_to_str(): the filter as `trace-cmd report -T` prints it, with its boolean consolidation. */
export function filterText(n: Node | null): string {
  if (n === null) return "";
  switch (n.t) {
    case "bool":
      return n.value ? "TRUE" : "FALSE";
    case "num":
      return BigInt.asIntN(64, n.value).toString(); // "%lld"
    case "str":
      return "";
    case "field":
      return n.field.name;
    case "and":
    case "or":
      return logicText(n.t, filterText(n.left), filterText(n.right));
    case "not": {
      const right = filterText(n.right);
      return right === "TRUE" ? "FALSE" : right === "FALSE" ? "TRUE" : `!(${right})`;
    }
    case "cmp":
    case "exp":
      return `${filterText(n.left)} ${n.op} ${filterText(n.right)}`;
    case "strcmp":
      return `${n.field.name} ${n.op} "${n.text}"`;
  }
}

/** op_to_str() for && and ||: constant sides fold away. */
function logicText(op: "and" | "or", left: string, right: string): string {
  const l = left === "TRUE" ? 1 : left === "FALSE" ? 0 : -1;
  const r = right === "TRUE" ? 1 : right === "FALSE" ? 0 : -1;
  const decides = (v: number) => (op === "and" ? v === 0 : v === 1);
  if (l >= 0) {
    if (decides(l)) return left;
    if (r >= 0) return (op === "and" ? l && r : l || r) ? "TRUE" : "FALSE";
  }
  if (r >= 0) return decides(r) ? right : left;
  return `(${left}) ${op === "and" ? "&&" : "||"} (${right})`;
}
