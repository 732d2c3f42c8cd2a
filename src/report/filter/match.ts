// A parsed filter → a test on a record's payload bytes.
// Numbers are unsigned 64-bit as in libtraceevent: a signed field is sign-extended first, so a
// negative value compares above every positive constant. An evaluation error (a string used as a
// number, "~", a division by zero) makes the whole filter neither match nor miss.
// Source of truth: libtraceevent 1.7.1 src/parse-filter.c test_filter(), test_op(), test_num(),
// test_str(), get_arg_value(), get_exp_value(), get_value(), get_field_str(), get_comm().

import { UsageError } from "../../errors.ts";
import type { FieldInfo } from "../../events/field-info.ts";
import type { CmpOp, ExpOp, FieldRef, Node } from "./ast.ts";

/** The record under test; one per handle, pointed at each record in turn. */
export class FilterRecord {
  page: Uint8Array = new Uint8Array(0);
  /** Payload offset in page. */
  base = 0;
  cpu = 0;
  pid = 0;
  type = 0;

  constructor(
    readonly littleEndian: boolean,
    readonly comms: { comm(pid: number): string },
  ) {}
}

export type RecordTest = (r: FilterRecord) => boolean;
type NumberValue = (r: FilterRecord) => bigint;
type StringValue = (r: FilterRecord) => string;

/** Thrown while testing a record when libtraceevent would set its error: the filter then does not match. */
export const EVAL_FAILED = new Error("filter evaluation failed");

const fail = (): never => {
  throw EVAL_FAILED;
};

const U64 = (v: bigint) => BigInt.asUintN(64, v);

/** What this port does not do (libtraceevent reads garbage or a pointer there); said when the filter is built. */
export class UnsupportedFilter extends UsageError {}

export function compileTest(n: Node): RecordTest {
  switch (n.t) {
    case "bool": {
      const value = n.value;
      return () => value;
    }
    case "and": {
      const [l, r] = [compileTest(n.left!), compileTest(n.right!)];
      return (rec) => l(rec) && r(rec);
    }
    case "or": {
      const [l, r] = [compileTest(n.left!), compileTest(n.right!)];
      return (rec) => l(rec) || r(rec);
    }
    case "not": {
      const r = compileTest(n.right!);
      return (rec) => !r(rec);
    }
    case "cmp":
      return compileCompare(n.op, n.left!, n.right!);
    case "strcmp":
      return compileStringCompare(n.op, n.field, n.text, n.regex);
    default: {
      // A value stands for "not zero".
      const v = compileValue(n);
      return (rec) => v(rec) !== 0n;
    }
  }
}

function compileCompare(op: CmpOp, left: Node, right: Node): RecordTest {
  const fast = smallCompare(op, left, right);
  if (fast) return fast;
  const l = compileValue(left);
  const r = compileValue(right);
  switch (op) {
    case "==":
      return (rec) => l(rec) === r(rec);
    case "!=":
      return (rec) => l(rec) !== r(rec);
    case "<":
      return (rec) => l(rec) < r(rec);
    case ">":
      return (rec) => l(rec) > r(rec);
    case "<=":
      return (rec) => l(rec) <= r(rec);
    case ">=":
      return (rec) => l(rec) >= r(rec);
    default:
      return fail; // a regex op on numbers is refused by the parser
  }
}

/**
 * A field of at most 4 bytes (or CPU) against a constant below 2^53, in doubles. A negative signed
 * value is above every such constant as an unsigned 64-bit number, which Infinity keeps.
 */
function smallCompare(op: CmpOp, left: Node, right: Node): RecordTest | undefined {
  if (right.t !== "num" || right.value >= 2n ** 53n || left.t !== "field") return undefined;
  const read = smallReader(left.field);
  if (!read) return undefined;
  const c = Number(right.value);
  const v = (rec: FilterRecord) => {
    const x = read(rec);
    return x < 0 ? Infinity : x;
  };
  switch (op) {
    case "==":
      return (rec) => v(rec) === c;
    case "!=":
      return (rec) => v(rec) !== c;
    case "<":
      return (rec) => v(rec) < c;
    case ">":
      return (rec) => v(rec) > c;
    case "<=":
      return (rec) => v(rec) <= c;
    case ">=":
      return (rec) => v(rec) >= c;
    default:
      return undefined;
  }
}

function smallReader(f: FieldRef): ((r: FilterRecord) => number) | undefined {
  if (f.kind === "cpu") return (r) => r.cpu;
  if (f.kind !== "field" || f.info.size > 4 || !isNumberSize(f.info.size)) return undefined;
  const { offset, size, signed } = f.info;
  return (r) => readSmall(r, r.base + offset, size, signed);
}

function compileValue(n: Node): NumberValue {
  switch (n.t) {
    case "num": {
      const value = n.value;
      return () => value;
    }
    case "field":
      return fieldNumber(n.field);
    case "exp":
      return compileArithmetic(n.op, compileValue(n.left!), compileValue(n.right!));
    default:
      return fail; // a quoted string used as a number (TEP_ERRNO__NOT_A_NUMBER)
  }
}

function compileArithmetic(op: ExpOp, l: NumberValue, r: NumberValue): NumberValue {
  switch (op) {
    case "+":
      return (rec) => U64(l(rec) + r(rec));
    case "-":
      return (rec) => U64(l(rec) - r(rec));
    case "*":
      return (rec) => U64(l(rec) * r(rec));
    case "/":
      return (rec) => divide(l(rec), r(rec), false);
    case "%":
      return (rec) => divide(l(rec), r(rec), true);
    // x86 shifts take the count mod 64.
    case ">>":
      return (rec) => l(rec) >> (r(rec) & 63n);
    case "<<":
      return (rec) => U64(l(rec) << (r(rec) & 63n));
    case "&":
      return (rec) => l(rec) & r(rec);
    case "|":
      return (rec) => l(rec) | r(rec);
    case "^":
      return (rec) => l(rec) ^ r(rec);
    default:
      return fail; // "~" parses but get_exp_value() has no case for it
  }
}

/** libtraceevent dies of SIGFPE on a zero divisor; here the filter just does not match. */
function divide(a: bigint, b: bigint, remainder: boolean): bigint {
  if (b === 0n) fail();
  return remainder ? a % b : a / b;
}

const isNumberSize = (size: number) => size === 1 || size === 2 || size === 4 || size === 8;

/** get_value(): the field as an unsigned 64-bit number, sign-extended first when signed. */
function fieldNumber(f: FieldRef): NumberValue {
  if (f.kind === "cpu") return (r) => BigInt(r.cpu);
  if (f.kind === "comm") throw new UnsupportedFilter("COMM compares with a quoted string only");
  const { offset, size, signed, name } = f.info;
  if (!isNumberSize(size)) throw new UnsupportedFilter(`field '${name}' (${size} bytes) is not a number: compare it with a quoted string`);
  if (size === 8) return (r) => U64(readU64(r, r.base + offset, signed));
  return (r) => U64(BigInt(readSmall(r, r.base + offset, size, signed)));
}

function compileStringCompare(op: string, f: FieldRef, text: string, regex: RegExp | undefined): RecordTest {
  const value = fieldString(f);
  switch (op) {
    case "==":
      return (r) => value(r) === text;
    case "!=":
      return (r) => value(r) !== text;
    case "=~":
      return (r) => regex!.test(value(r));
    default:
      return (r) => !regex!.test(value(r));
  }
}

/** get_field_str() / get_comm(): the text a string compare sees. */
function fieldString(f: FieldRef): StringValue {
  if (f.kind === "comm") return (r) => r.comms.comm(r.pid);
  if (f.kind === "cpu") throw new UnsupportedFilter("CPU compares with a number only (trace-cmd 3.1.6 crashes on a quoted one)");
  const info = f.info;
  if (info.isString) return (r) => stringField(r, info);
  if (info.isPointer || info.isLong) throw new UnsupportedFilter(`comparing the pointer or long field '${info.name}' with a string (a kernel symbol) is not supported`);
  const number = fieldNumber(f);
  return (r) => `0x${number(r).toString(16)}`;
}

/**
 * A char array or __data_loc string: the bytes up to a NUL; when the last byte of the data is not a
 * NUL, at most the field's declared size (libtraceevent copies that much into a buffer).
 */
function stringField(r: FilterRecord, f: FieldInfo): string {
  let at = r.base + f.offset;
  let size = f.size;
  if (f.dynamic) {
    const word = readSmall(r, at, 4, false); // read in host (little-endian) order, as libtraceevent does
    size = word >>> 16;
    at = r.base + (word & 0xffff) + (f.isRelative ? f.offset + f.size : 0);
  }
  const bounded = (r.page[at + size - 1] ?? 0) !== 0;
  return latin1(r.page, at, bounded ? f.size : r.page.length - at);
}

/** Bytes up to a NUL (or max) as one char each: C's strcmp and regexec see bytes. */
function latin1(page: Uint8Array, at: number, max: number): string {
  const end = Math.min(page.length, at + max);
  let s = "";
  for (let i = at; i < end && page[i] !== 0; i++) s += String.fromCharCode(page[i]!);
  return s;
}

function readSmall(r: FilterRecord, at: number, size: number, signed: boolean): number {
  const b = r.page;
  if (at + size > b.length) return 0;
  if (size === 1) return signed ? (b[at]! << 24) >> 24 : b[at]!;
  if (size === 2) {
    const v = r.littleEndian ? b[at]! | (b[at + 1]! << 8) : (b[at]! << 8) | b[at + 1]!;
    return signed ? (v << 16) >> 16 : v;
  }
  const v = r.littleEndian
    ? b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)
    : (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
  return signed ? v : v >>> 0;
}

function readU64(r: FilterRecord, at: number, signed: boolean): bigint {
  if (at + 8 > r.page.length) return 0n;
  const lo = BigInt(readSmall(r, at + (r.littleEndian ? 0 : 4), 4, false));
  const hi = BigInt(readSmall(r, at + (r.littleEndian ? 4 : 0), 4, false));
  const v = (hi << 32n) | lo;
  return signed ? BigInt.asIntN(64, v) : v;
}
