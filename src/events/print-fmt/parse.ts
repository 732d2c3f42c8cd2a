// Recursive-descent parser for the `print fmt:` line: "fmt" "fmt", arg, arg...
// Source of truth: C operator precedence; libtraceevent src/event-parse.c process_arg() and
// event_read_print() for what the kernel emits (adjacent strings concatenate, REC->field,
// casts, sizeof, helper calls, `{ value, "name" }` lists).

import { FormatError } from "../../errors.ts";
import type { Expr, PrintFmt } from "./ast.ts";
import { lexPrintFmt, type Token } from "./lex.ts";



export function parsePrintFmt(src: string): PrintFmt {
  return new Parser(lexPrintFmt(src)).printFmt();
}

class Parser {
  #pos = 0;
  constructor(private readonly toks: Token[]) {}

  printFmt(): PrintFmt {
    let fmt = this.#expect("str").text;
    while (this.#peek().kind === "str") fmt += this.#next().text;
    const args: Expr[] = [];
    while (this.#eatOp(",")) args.push(this.expr());
    if (this.#peek().kind !== "eof") this.#fail("expected ',' or end");
    return { fmt, args };
  }

  expr(): Expr {
    return toExpr(this.#chain());
  }

  /** An operand and the operators that follow it, built the way libtraceevent process_op() does. */
  #chain(): MNode {
    const arg = this.#operand();
    if (this.#peekBinary() !== undefined) this.#processOp(arg);
    return arg;
  }

  /**
   * libtraceevent process_op(): `arg` becomes `arg OP right`. When the right operand is itself an
   * operator node (it came from parentheses) with a looser priority, the two are rotated, which
   * drops the parentheses: `a & (b | c)` evaluates as `(a & b) | c`. A following operator either
   * takes the whole node as its left side (looser) or extends the node C's `right` points at.
   * `?` (process_cond()) takes operators up to ':' for the true branch but a single operand for the
   * false branch, and has priority 0, so a following operator takes the whole conditional.
   */
  #processOp(arg: MNode): void {
    const op = this.#next().text;
    const left: MNode = { ...arg };
    if (op === "?") {
      become(arg, { kind: "op", op, prio: 0, left, right: undefined });
      const t = this.#chain();
      this.#expectOp(":");
      const f = this.#operand();
      (arg as MOp).right = { kind: "op", op: ":", prio: 99, left: t, right: f };
      if (this.#peekBinary() !== undefined) this.#processOp(arg);
      return;
    }
    become(arg, { kind: "op", op, prio: opPrio(op), left, right: undefined });
    const right = this.#operand();
    if (right.kind === "op" && opPrio(op) < opPrio(right.op)) {
      (arg as MOp).right = right.left;
      const tmp: MNode = { ...arg };
      become(arg, right);
      become(right, tmp);
      (arg as MOp).left = right;
    } else {
      (arg as MOp).right = right;
    }
    const next = this.#peekBinary();
    if (next === undefined) return;
    this.#processOp(opPrio(next) > (arg as MOp).prio ? arg : right);
  }

  #peekBinary(): string | undefined {
    const t = this.#peek();
    return t.kind === "op" && LTE_PRIO[t.text] !== undefined ? t.text : undefined;
  }

  #operand(): MNode {
    const words = this.#wordGroupAhead();
    if (words !== undefined && !this.#isCastAhead()) {
      // `(unsigned long)-4095`: libtraceevent reads the words as one atom (value 0), not a cast.
      this.#pos += words.length + 2;
      return { kind: "leaf", e: { k: "ident", name: words.join(" ") } };
    }
    if (this.#peekOp("(") && !this.#isCastAhead()) {
      this.#next();
      if (this.#peekOp("{")) this.#fail("statement expressions are not supported");
      const inner = this.#chain();
      this.#expectOp(")");
      return this.#postfixNode(inner);
    }
    return { kind: "leaf", e: this.#unary() };
  }

  #postfixNode(n: MNode): MNode {
    if (!this.#peekOp("[") && !this.#peekOp("->") && !this.#peekOp(".")) return n;
    return { kind: "leaf", e: this.#postfix(toExpr(n)) };
  }

  #unary(): Expr {
    const t = this.#peek();
    if (t.kind === "op" && (t.text === "-" || t.text === "!" || t.text === "~" || t.text === "+")) {
      this.#next();
      const e = this.#unary();
      return t.text === "+" ? e : { k: "unary", op: t.text, e };
    }
    if (t.kind === "op" && (t.text === "*" || t.text === "&")) this.#fail(`unsupported unary '${t.text}'`);
    if (t.kind === "op" && t.text === "(" && this.#isCastAhead()) {
      this.#next();
      const type = this.#typeName();
      this.#expectOp(")");
      return { k: "cast", type, e: this.#unary() };
    }
    return this.#postfix(this.#primary());
  }

  #postfix(e: Expr): Expr {
    for (;;) {
      if (this.#eatOp("[")) {
        const i = this.expr();
        this.#expectOp("]");
        e = { k: "index", e, i };
      } else if (this.#peekOp("->") || this.#peekOp(".")) {
        this.#next();
        const name = this.#expect("ident").text;
        if (e.k !== "ident" || e.name !== "REC") this.#fail(`unsupported member access '.${name}'`);
        e = { k: "field", name };
      } else {
        return e;
      }
    }
  }

  #primary(): Expr {
    const t = this.#next();
    switch (t.kind) {
      case "num":
        return { k: "num", v: parseCNumber(t.text), text: t.text };
      case "str": {
        let v = t.text;
        while (this.#peek().kind === "str") v += this.#next().text;
        return { k: "str", v };
      }
      case "char":
        // libtraceevent keeps 'c' as an atom: its text prints with %s and it reads as 0 in numbers.
        return { k: "str", v: t.text };
      case "ident":
        return this.#identOrCall(t.text);
      case "op":
        return this.#opPrimary(t.text);
      case "eof":
        return this.#fail("unexpected end");
    }
  }

  #opPrimary(op: string): Expr {
    if (op === "(") {
      if (this.#peekOp("{")) this.#fail("statement expressions are not supported");
      const e = this.expr();
      this.#expectOp(")");
      return e;
    }
    if (op === "{") {
      const items: Expr[] = [];
      if (this.#eatOp("}")) this.#fail("empty initializer list");
      do items.push(this.expr());
      while (this.#eatOp(","));
      this.#expectOp("}");
      return { k: "list", items };
    }
    return this.#fail(`unexpected '${op}'`);
  }

  #identOrCall(name: string): Expr {
    if (name === "sizeof") return this.#sizeof();
    if (!this.#eatOp("(")) return { k: "ident", name };
    const args: Expr[] = [];
    if (!this.#eatOp(")")) {
      do args.push(this.expr());
      while (this.#eatOp(","));
      this.#expectOp(")");
    }
    return { k: "call", name, args };
  }

  /**
   * libtraceevent 1.7.1 process_sizeof() knows only int, unsigned [int], long, long long and
   * REC->field (not an array); anything else (sizeof(u64)) fails the whole format.
   */
  #sizeof(): Expr {
    this.#expectOp("(");
    if (this.#peek().kind === "ident" && this.#peek().text === "REC") {
      const e = this.#postfix(this.#primary());
      this.#expectOp(")");
      if (e.k !== "field") this.#fail("unsupported sizeof operand");
      return { k: "sizeof", type: "", field: e.name };
    }
    const words: string[] = [];
    while (this.#peek().kind === "ident") words.push(this.#next().text);
    this.#expectOp(")");
    const type = words.join(" ");
    const known = ["int", "unsigned", "unsigned int", "long", "unsigned long", "long long", "unsigned long long"];
    if (!known.includes(type)) this.#fail(`sizeof(${type}) is not supported`);
    return { k: "sizeof", type };
  }

  /** `( word word * )` at the cursor: the words, else undefined. */
  #wordGroupAhead(): string[] | undefined {
    if (!this.#peekOp("(")) return undefined;
    const words: string[] = [];
    let i = this.#pos + 1;
    for (;; i++) {
      const t = this.toks[i]!;
      if (t.kind === "ident" && t.text !== "REC") words.push(t.text);
      else if (t.kind === "op" && t.text === "*" && words.length > 0) words.push("*");
      else break;
    }
    const close = this.toks[i]!;
    return words.length > 0 && close.kind === "op" && close.text === ")" ? words : undefined;
  }

  /** libtraceevent process_paren(): `(words)` followed by an item or '(' is a cast. */
  #isCastAhead(): boolean {
    const words = this.#wordGroupAhead();
    if (words === undefined) return false;
    const after = this.toks[this.#pos + words.length + 2]!;
    return after.kind === "ident" || after.kind === "num" || after.kind === "str" || after.kind === "char" ||
      (after.kind === "op" && after.text === "(");
  }

  #typeName(): string {
    const words: string[] = [];
    while (this.#peek().kind === "ident" || this.#peekOp("*")) words.push(this.#next().text);
    if (words.length === 0) this.#fail("expected a type name");
    return words.join(" ").replace(/ \*/g, " *");
  }

  #peek(): Token {
    return this.toks[this.#pos]!;
  }
  #next(): Token {
    const t = this.toks[this.#pos]!;
    if (t.kind !== "eof") this.#pos++;
    return t;
  }
  #peekOp(op: string): boolean {
    const t = this.#peek();
    return t.kind === "op" && t.text === op;
  }
  #eatOp(op: string): boolean {
    if (!this.#peekOp(op)) return false;
    this.#pos++;
    return true;
  }
  #expectOp(op: string): void {
    if (!this.#eatOp(op)) this.#fail(`expected '${op}'`);
  }
  #expect<K extends Token["kind"]>(kind: K): Token {
    const t = this.#next();
    if (t.kind !== kind) this.#fail(`expected ${kind}`);
    return t;
  }
  #fail(what: string): never {
    const t = this.toks[this.#pos];
    throw new FormatError(`cannot parse print fmt at token ${this.#pos} ('${t?.text ?? ""}'): ${what}`, {
      token: this.#pos,
    });
  }
}

export function parseCNumber(text: string): bigint {
  const digits = text.replace(/[uUlL]+$/, "");
  if (/^0[xX]/.test(digits)) return BigInt(digits);
  if (/^0[0-7]+$/.test(digits)) return BigInt(`0o${digits.slice(1)}`);
  return BigInt(digits);
}

/** libtraceevent get_op_prio(): lower binds tighter. */
function opPrio(op: string): number {
  return LTE_PRIO[op] ?? 99;
}

const LTE_PRIO: Record<string, number> = {
  "*": 6, "/": 6, "%": 6, "+": 7, "-": 7, "<<": 8, ">>": 8, "<": 9, ">": 9, "<=": 9, ">=": 9,
  "==": 10, "!=": 10, "&": 11, "^": 12, "|": 13, "&&": 14, "||": 15, "?": 16,
};

/** Mutable operator tree used while emulating process_op(); converted to Expr afterwards. */
type MOp = { kind: "op"; op: string; prio: number; left: MNode; right: MNode | undefined };
type MNode = { kind: "leaf"; e: Expr } | MOp;

function become(target: MNode, src: MNode): void {
  for (const k of Object.keys(target)) delete (target as Record<string, unknown>)[k];
  Object.assign(target, src);
}

function toExpr(n: MNode): Expr {
  if (n.kind === "leaf") return n.e;
  if (!n.right) throw new FormatError(`cannot parse print fmt: operator '${n.op}' has no right side`, { op: n.op });
  if (n.op === "?" && n.right.kind === "op" && n.right.op === ":" && n.right.right) {
    return { k: "cond", c: toExpr(n.left), t: toExpr(n.right.left), f: toExpr(n.right.right) };
  }
  return { k: "binary", op: n.op, l: toExpr(n.left), r: toExpr(n.right) };
}
