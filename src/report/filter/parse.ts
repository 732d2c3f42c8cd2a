// A filter's expression → the tree libtraceevent builds for one event.
// libtraceevent has no operator precedence: process_filter() is a left-to-right state machine
// (current_op, current_exp, left_item), so "a || b && c" is "(a || b) && c" and some odd inputs
// parse to odd trees ("x == -1" is "x - 1"). This follows it step for step; `trace-cmd report -T`
// prints its trees, and the e2e tests compare filterText() with it.
// Source of truth: libtraceevent 1.7.1 src/parse-filter.c process_filter(), create_arg_item(),
// add_right(), add_left(), check_op_done(), test_arg() and collapse_tree().

import { UsageError } from "../../errors.ts";
import { FALSE, TRUE, type CmpOp, type ExpOp, type FieldRef, type Node } from "./ast.ts";
import { compileBasicRegex, RegexError } from "./regex.ts";
import { Tokenizer, type Token } from "./tokens.ts";

/** A filter that does not parse; `at` is the index in the parsed text just past the token at fault. */
export class FilterSyntaxError extends UsageError {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

/** tep_find_any_field(): a common field first, then the event's own; undefined when neither. */
export type FieldLookup = (name: string) => FieldRef | undefined;

/** Parses `expr` (the text after the ':') for one event, and folds what is constant (collapse_tree()). */
export function parseEventFilter(expr: string, fieldOf: FieldLookup): Node {
  const parser = new Parser(new Tokenizer(expr), fieldOf);
  const end = parser.level(false);
  if (end.closedParen) parser.fail("Unbalanced number of ')'");
  return end.node;
}

type Operator = { kind: "and" } | { kind: "or" } | { kind: "not" } | { kind: "exp"; op: ExpOp } | { kind: "cmp"; op: CmpOp };

const EXP_OPS = new Set(["+", "-", "*", "/", "%", ">>", "<<", "&", "|", "^", "~"]);
const CMP_OPS = new Set(["==", "!=", "<", ">", "<=", ">=", "=~", "!~"]);

/** process_op(). */
function operatorOf(text: string): Operator | undefined {
  if (text === "&&") return { kind: "and" };
  if (text === "||") return { kind: "or" };
  if (text === "!") return { kind: "not" };
  if (EXP_OPS.has(text)) return { kind: "exp", op: text as ExpOp };
  if (CMP_OPS.has(text)) return { kind: "cmp", op: text as CmpOp };
  return undefined;
}

class Parser {
  #last: Token = { type: "none", text: "", end: 0 };

  constructor(
    readonly tokens: Tokenizer,
    readonly fieldOf: FieldLookup,
  ) {}

  fail(message: string): never {
    throw new FilterSyntaxError(message, this.#last.end);
  }

  syntax(): never {
    this.fail("Syntax error");
  }

  /**
   * One process_filter() call. In `not` mode it returns after the first complete compare or
   * parenthesis (a "!" takes one expression). closedParen: it ended at a ")".
   */
  level(not: boolean): { node: Node; closedParen: boolean } {
    let op: Node | null = null; // current_op: the last && or || (or a ! under one)
    let exp: Node | null = null; // current_exp: the compare, arithmetic, ! or parenthesis being built
    let left: Node | null = null; // left_item: a value waiting for its operator
    for (;;) {
      const tok = (this.#last = this.tokens.next());
      if (tok.type === "none") break;
      if (tok.type === "item" || tok.type === "squote" || tok.type === "dquote") {
        const arg = this.#item(tok);
        if (!left) {
          left = arg;
          continue;
        }
        if (!exp) this.syntax();
        this.#addRight(exp, arg);
        left = null;
        if (not) return op ? this.syntax() : { node: exp, closedParen: false };
      } else if (tok.type === "delim") {
        if (tok.text === ",") this.fail("Illegal token ','");
        if (tok.text === ")") {
          if ((!op && !exp) || (exp && !isDone(exp)) || (op && !isDone(op))) this.syntax();
          return { node: (op ?? exp)!, closedParen: true };
        }
        if (left) this.fail("Open paren can not come after item");
        if (exp) this.fail("Open paren can not come after expression");
        const inner = this.level(false);
        if (!inner.closedParen) this.fail("Unbalanced number of '('");
        if (not) return op ? this.syntax() : { node: inner.node, closedParen: false };
        if (op) this.#addRight(op, inner.node);
        else exp = inner.node;
      } else {
        const o = operatorOf(tok.text);
        if (!o) this.fail(`Unknown op token ${tok.text}`);
        if (o.kind === "and" || o.kind === "or") {
          if ((!exp && !op) || left) this.syntax();
          op = { t: o.kind, left: op ?? exp, right: null };
          exp = null;
        } else if (o.kind === "not") {
          if (left) this.syntax();
          const arg: Node = { t: "not", right: null };
          if (op) this.#addRight(op, arg);
          exp = arg;
          const inner = this.level(true);
          if (inner.closedParen) this.fail("Unbalanced number of ')'");
          this.#addRight(arg, inner.node);
        } else {
          if (!left) this.syntax();
          const arg: Node = o.kind === "cmp" ? { t: "cmp", op: o.op, left: null, right: null } : { t: "exp", op: o.op, left: null, right: null };
          if (op) this.#addRight(op, arg);
          // add_left(): the left of a compare must be a field (or a name that is no field).
          if (o.kind === "cmp" && left.t !== "field" && left.t !== "bool") this.syntax();
          (arg as { left: Node }).left = left;
          exp = arg;
        }
      }
    }
    if (!op && !exp) this.syntax();
    return { node: this.#fold((op ?? exp)!), closedParen: false };
  }

  /** create_arg_item(). */
  #item(tok: Token): Node {
    if (tok.type !== "item") return { t: "str", text: tok.text, quote: tok.type === "squote" ? "'" : '"' };
    if (/^[0-9]/.test(tok.text)) return { t: "num", value: strtoull(tok.text) };
    const field = this.fieldOf(tok.text) ?? pseudoField(tok.text);
    return field ? { t: "field", field } : { t: "bool", value: false };
  }

  /** add_right(): a compare with a quoted value becomes a string compare, in place (it may already hang under `op`). */
  #addRight(target: Node, arg: Node): void {
    switch (target.t) {
      case "exp":
      case "and":
      case "or":
      case "not":
        if (target.right) this.syntax();
        target.right = arg;
        return;
      case "cmp":
        break;
      default:
        this.syntax();
    }
    if (target.right) this.syntax();
    if (arg.t === "bool") this.fail("Illegal rvalue");
    // libtraceevent reads a field operand as a value's type tag (a pointer's low bits) and fails.
    if (arg.t !== "num" && arg.t !== "str") this.syntax();
    const regex = target.op === "=~" || target.op === "!~";
    if (arg.t === "num" || (arg.quote === "'" && arg.text.length === 1 && !regex)) {
      if (arg.t === "str") this.fail(`a one-char '${arg.text}' is compared as a number by libtraceevent (its address): not supported`);
      if (regex) this.fail("Op not allowed with integers");
      target.right = arg;
      return;
    }
    const left = target.left!;
    if (left.t === "bool") return become(target, FALSE);
    if (left.t !== "field") this.fail("Illegal lvalue for string comparison");
    const op = target.op;
    if (op !== "==" && op !== "!=" && op !== "=~" && op !== "!~") this.fail("Illegal comparison for string");
    become(target, { t: "strcmp", op, field: left.field, text: arg.text, regex: regex ? this.#regex(arg.text) : undefined });
  }

  #regex(text: string): RegExp {
    try {
      return compileBasicRegex(text);
    } catch (e) {
      if (e instanceof RegexError) this.fail(`RegEx '${text}' did not compute (${e.message})`);
      throw e;
    }
  }

  /**
   * test_arg() as collapse_tree() uses it: a compare on a name that is no field is FALSE, and
   * constants fold through && || !. libtraceevent walks an unfinished tree into a NULL and crashes;
   * this says so.
   */
  #fold(n: Node | null): Node {
    if (n === null) this.fail("Syntax error: the expression is incomplete");
    switch (n.t) {
      case "exp":
      case "cmp": {
        const l = this.#fold(n.left);
        if (l.t === "bool") return l;
        const r = this.#fold(n.right);
        return r.t === "bool" ? r : n;
      }
      case "not": {
        const r = this.#fold(n.right);
        return r.t === "bool" ? (r.value ? FALSE : TRUE) : { t: "not", right: r };
      }
      case "and":
      case "or": {
        const decides = n.t === "or";
        const l = this.#fold(n.left);
        if (l.t === "bool") return l.value === decides ? l : this.#fold(n.right);
        const r = this.#fold(n.right);
        if (r.t === "bool") return r.value === decides ? r : l;
        return { t: n.t, left: l, right: r };
      }
      default:
        return n;
    }
  }
}

/** check_op_done(). */
function isDone(n: Node): boolean {
  switch (n.t) {
    case "exp":
    case "and":
    case "or":
    case "not":
    case "cmp":
      return n.right !== null;
    case "strcmp":
    case "bool":
      return true;
    default:
      return false;
  }
}

function become(target: Node, shape: Node): void {
  for (const key of Object.keys(target)) delete (target as Record<string, unknown>)[key];
  Object.assign(target, shape);
}

function pseudoField(name: string): FieldRef | undefined {
  if (name === "COMM") return { kind: "comm", name };
  if (name === "CPU") return { kind: "cpu", name };
  return undefined;
}

/** strtoull(text, NULL, 0) on an item token: 0x hex, leading-0 octal, else decimal; stops at the first bad digit; saturates. */
export function strtoull(text: string): bigint {
  let base = 10;
  let i = 0;
  if (/^0[xX][0-9a-fA-F]/.test(text)) {
    base = 16;
    i = 2;
  } else if (text.startsWith("0")) {
    base = 8;
  }
  let value = 0n;
  for (; i < text.length; i++) {
    const d = parseInt(text[i]!, 36);
    if (!(d < base)) break;
    value = value * BigInt(base) + BigInt(d);
    if (value > 0xffffffffffffffffn) return 0xffffffffffffffffn;
  }
  return value;
}
