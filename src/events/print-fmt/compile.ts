// Compiles a parsed print fmt into one closure per event: the format string is split into literal
// and conversion pieces once; each record only runs the pieces.
// Source of truth: libtraceevent src/event-parse.c parse_args(), parse_arg_format(),
// parse_arg_string() (escapes), print_parse_data(), print_arg_number().

import { FormatError } from "../../errors.ts";
import { readHi, readLo, readSmall, type Rec } from "../field-info.ts";
import type { Expr, PrintFmt } from "./ast.ts";
import type { CompileCtx } from "./context.ts";
import { compileFast } from "./eval-fast.ts";
import { castMask, compileNum } from "./eval-num.ts";
import { compileStr, identity } from "./eval-str.ts";
import { isKnownFunction } from "./helpers.ts";
import { compilePointer, emitPointerSum, emitSymbolPointer, plainPointerField, pointerSuffixLength } from "./pointer.ts";
import { formatInt, formatInt64, formatIntNum, formatStr, parseConvSpec, type ConvSpec } from "../printf.ts";
import { encodeText, putBytes, writeText } from "../../lib/byte-sink.ts";
import { emitComputed, emitPadded, emitPointer64, emitSmall, emitString, emitWide, paddingOf, type Emit } from "./emit.ts";

export type Piece = (r: Rec) => string;

/**
 * One piece of the split format: a literal, or a conversion and the field its argument reads;
 * `emit` writes the conversion straight into output bytes where it can.
 */
export type PieceInfo = { kind: "literal"; text: string; run: Piece } | { kind: "arg"; field?: string; run: Piece; emit?: Emit };

export interface CompiledFmt {
  pieces: PieceInfo[];
  run: Piece;
  /** run() as UTF-8 at out.pos (the caller holds the sink: it may drop a trailing newline). */
  write: Emit;
  /** True when every output ends with a fixed literal that does not end in a newline. */
  noNewlineTail: boolean;
}

export function compilePrintFmt(pf: PrintFmt, ctx: CompileCtx): CompiledFmt {
  checkFunctions(pf.args);
  const pieces = splitFormat(pf.fmt, pf.args, ctx);
  // Literals are joined into the text around each conversion, so a record runs only the conversions.
  const lits: string[] = [""];
  const fns: Piece[] = [];
  const emits: Emit[] = [];
  for (const p of pieces) {
    if (p.kind === "literal") lits[lits.length - 1] += p.text;
    else {
      fns.push(p.run);
      emits.push(p.emit ?? textEmit(p.run));
      lits.push("");
    }
  }
  const tail = lits[lits.length - 1]!;
  const noNewlineTail = tail.length > 0 && tail.charCodeAt(tail.length - 1) !== 10;
  return { pieces, run: joinPieces(lits, fns), write: joinEmits(lits.map(encodeText), emits), noNewlineTail };
}

function textEmit(run: Piece): Emit {
  return (r, out) => writeText(out, run(r));
}

/** joinPieces() into bytes: literal bytes between the conversions' emitters. */
function joinEmits(lits: Uint8Array[], emits: Emit[]): Emit {
  const n = emits.length;
  const room = lits.reduce((sum, l) => sum + l.length, 0);
  return (r, out) => {
    out.room(room);
    putBytes(out, lits[0]!);
    for (let i = 0; i < n; i++) {
      emits[i]!(r, out);
      const lit = lits[i + 1]!;
      out.room(lit.length);
      putBytes(out, lit);
    }
  };
}

/** lits[0] + fns[0](r) + lits[1] + … + lits[n], unrolled for the usual handful of conversions. */
function joinPieces(lits: string[], fns: Piece[]): Piece {
  const [l0 = "", l1 = "", l2 = "", l3 = "", l4 = "", l5 = "", l6 = ""] = lits;
  const [f0, f1, f2, f3, f4, f5] = fns;
  switch (fns.length) {
    case 0:
      return () => l0;
    case 1:
      return (r) => l0 + f0!(r) + l1;
    case 2:
      return (r) => l0 + f0!(r) + l1 + f1!(r) + l2;
    case 3:
      return (r) => l0 + f0!(r) + l1 + f1!(r) + l2 + f2!(r) + l3;
    case 4:
      return (r) => l0 + f0!(r) + l1 + f1!(r) + l2 + f2!(r) + l3 + f3!(r) + l4;
    case 5:
      return (r) => l0 + f0!(r) + l1 + f1!(r) + l2 + f2!(r) + l3 + f3!(r) + l4 + f4!(r) + l5;
    case 6:
      return (r) => l0 + f0!(r) + l1 + f1!(r) + l2 + f2!(r) + l3 + f3!(r) + l4 + f4!(r) + l5 + f5!(r) + l6;
    default:
      return (r) => {
        let s = l0;
        for (let i = 0; i < fns.length; i++) s += fns[i]!(r) + lits[i + 1]!;
        return s;
      };
  }
}

/** An unknown function makes libtraceevent fail the whole format ("function X not defined"). */
function checkFunctions(args: Expr[]): void {
  const visit = (e: Expr): void => {
    switch (e.k) {
      case "call":
        if (!isKnownFunction(e.name)) throw new FormatError(`function '${e.name}' is not defined`, { name: e.name });
        e.args.forEach(visit);
        return;
      case "cast":
      case "unary":
        return visit(e.e);
      case "binary":
        visit(e.l);
        return visit(e.r);
      case "cond":
        visit(e.c);
        visit(e.t);
        return visit(e.f);
      case "index":
        visit(e.e);
        return visit(e.i);
      case "list":
        return e.items.forEach(visit);
      default:
        return;
    }
  };
  args.forEach(visit);
}

/** parse_arg_string(): backslash escapes and "%%". */
export function unescape(s: string): string {
  return s.replace(/\\(.)|%%/g, (m, c: string | undefined) => {
    if (m === "%%") return "%";
    return c === "n" ? "\n" : c === "t" ? "\t" : c === "r" ? "\r" : c!;
  });
}

function splitFormat(fmt: string, args: Expr[], ctx: CompileCtx): PieceInfo[] {
  const pieces: PieceInfo[] = [];
  let argi = 0;
  let i = 0;
  let lit = "";
  const flushLit = () => {
    if (lit) {
      const text = unescape(lit);
      pieces.push({ kind: "literal", text, run: () => text });
    }
    lit = "";
  };
  while (i < fmt.length) {
    if (fmt[i] !== "%" || fmt[i + 1] === "%") {
      const step = fmt[i] === "\\" || fmt[i] === "%" ? 2 : 1;
      lit += fmt.slice(i, i + step);
      i += step;
      continue;
    }
    flushLit();
    const conv = scanConversion(fmt, i);
    if (conv.literal !== undefined) {
      const text = conv.literal;
      pieces.push({ kind: "literal", text, run: () => text });
      i = conv.end;
      continue;
    }
    let lenArg: Expr | undefined;
    if (conv.star) {
      lenArg = args[argi++];
      if (!lenArg) throw new FormatError("print fmt has no argument for '*'", { offset: i });
    }
    const arg = args[argi++];
    if (!arg) throw new FormatError(`print fmt has no argument for '${fmt.slice(i, conv.end)}'`, { offset: i });
    const text = fmt.slice(i, conv.end);
    const run = compileConversion(text, conv.kind, arg, lenArg, ctx);
    const emit = lenArg ? undefined : emitConversion(text, conv.kind, arg, ctx);
    pieces.push({ kind: "arg", field: argField(arg), run, emit });
    i = conv.end;
  }
  flushLit();
  return pieces;
}

type ConvKind = "num" | "ptr" | "str";

function scanConversion(fmt: string, start: number): { end: number; kind: ConvKind; star: boolean; literal?: string } {
  let star = false;
  for (let j = start + 1; j < fmt.length; j++) {
    const c = fmt[j]!;
    // libtraceevent 1.7.1 knows no '+' or ' ' flag: they end the conversion as ">+<" text.
    if ("#hlLzZ.0123456789-".includes(c)) continue;
    if (c === "*") {
      if (star) throw new FormatError("print fmt has two '*' in one conversion", { offset: j });
      star = true;
      continue;
    }
    if (c === "p") return { end: j + 1 + pointerSuffixLength(fmt.slice(j + 1)), kind: "ptr", star };
    // libtraceevent 1.7.1 has no %c: it prints ">c<" and consumes no argument.
    if ("duixXo".includes(c)) return { end: j + 1, kind: "num", star };
    if (c === "s") return { end: j + 1, kind: "str", star };
    return { end: j + 1, kind: "str", star, literal: `>${c}<` };
  }
  return { end: fmt.length, kind: "str", star, literal: "" };
}

function compileConversion(text: string, kind: ConvKind, arg: Expr, lenArg: Expr | undefined, ctx: CompileCtx): Piece {
  const len = lenArg ? compileNum(lenArg, ctx) : undefined;
  const starOf = len ? (r: Rec) => Number(BigInt.asIntN(32, len(r))) : () => -1;
  if (kind === "ptr") {
    const p = text.indexOf("p");
    const fn = compilePointer(text.slice(p + 1), arg, ctx);
    return len ? (r) => fn(r, starOf(r)) : (r) => fn(r, 1);
  }
  const spec = parseConvSpec(text.replace(/^%([-+ #0]*)\*/, "%$1*")) ?? fallbackSpec(text);
  if (spec.ls < -2 || spec.ls > 2) throw new FormatError(`print fmt has a bad length in '${text}'`, { text });
  if (kind === "str") {
    const fn = compileStr(arg, ctx);
    if (!len && spec.width === -1 && spec.precision === -1) return (r) => fn(r, identity);
    return (r) => {
      const star = starOf(r);
      return fn(r, (s) => formatStr(spec, s, star));
    };
  }
  return compileNumber(spec, arg, ctx, starOf, len !== undefined);
}

function fallbackSpec(text: string): ConvSpec {
  return { minus: false, plus: false, space: false, hash: false, zero: false, width: -1, precision: -1, ls: 0, conv: text.at(-1)! };
}

/** Numbers: a direct read of a field of up to 4 bytes stays a JS number; the rest is bigint. */
function compileNumber(spec: ConvSpec, arg: Expr, ctx: CompileCtx, starOf: (r: Rec) => number, hasStar: boolean): Piece {
  const small = smallField(arg, ctx);
  if (small && spec.ls <= 0 && !hasStar) {
    const { offset, size, mask } = small;
    return (r) => formatIntNum(spec, readSmall(r, offset, size) & mask);
  }
  const wide = wideField(arg, ctx);
  if (wide && !hasStar) {
    const { offset } = wide;
    return (r) => formatInt64(spec, readHi(r, offset), readLo(r, offset));
  }
  const v = compileNum(arg, ctx);
  const fast = compileFast(arg, ctx);
  if (!fast) return (r) => formatInt(spec, v(r), starOf(r));
  return (r) => {
    const x = fast(r);
    if (x !== x) return formatInt(spec, v(r), starOf(r));
    return formatInt64(spec, Math.floor(x / 4294967296), x >>> 0, starOf(r));
  };
}

/** The conversions written straight into output bytes; undefined for those that go through text. */
function emitConversion(text: string, kind: ConvKind, arg: Expr, ctx: CompileCtx): Emit | undefined {
  if (kind === "num") return emitNumber(text, arg, ctx);
  if (text === "%p") return emitPlainPointer(arg, ctx) ?? emitPointerSum(arg, ctx);
  if (kind === "ptr") return arg.k === "str" ? undefined : emitSymbolPointer(text.slice(text.indexOf("p") + 1), arg, ctx);
  return text === "%s" ? emitString(arg, ctx) : undefined;
}

function emitPlainPointer(arg: Expr, ctx: CompileCtx): Emit | undefined {
  if (arg.k === "str") return undefined;
  const at = plainPointerField(arg, ctx);
  return at === undefined ? undefined : emitPointer64(at);
}

/** compileNumber()'s direct field reads, as emitters of bytes; undefined where it needs printf.ts. */
function emitNumber(text: string, arg: Expr, ctx: CompileCtx): Emit | undefined {
  const spec = parseConvSpec(text);
  if (!spec) return undefined;
  const padding = paddingOf(spec);
  const digits = padding ? { ...spec, width: -1, zero: false, minus: false } : spec;
  const inner = emitDigits(digits, arg, ctx);
  return inner && padding ? emitPadded(inner, padding.width, padding.zero, padding.minus) : inner;
}

function emitDigits(spec: ConvSpec, arg: Expr, ctx: CompileCtx): Emit | undefined {
  const small = smallField(arg, ctx);
  if (small) return spec.ls <= 0 ? emitSmall(spec, small.offset, small.size, small.mask) : undefined;
  const wide = wideField(arg, ctx);
  if (wide) return emitWide(spec, wide.offset);
  const fast = compileFast(arg, ctx);
  if (!fast) return undefined;
  const v = compileNum(arg, ctx);
  return emitComputed(spec, fast, (r) => formatInt(spec, v(r)));
}

/** A plain (uncast, or cast to a pointer / 64-bit type) read of an 8-byte field. */
function wideField(arg: Expr, ctx: CompileCtx): { offset: number } | undefined {
  let e = arg;
  while (e.k === "cast") {
    if (castMask(e.type) !== undefined) return undefined;
    e = e.e;
  }
  const loc = fixedLoc(e, ctx);
  return loc && loc.size === 8 ? { offset: loc.offset } : undefined;
}

/** Where a plain field, or an element `REC->arr[N]` at a constant index, sits in the record. */
function fixedLoc(e: Expr, ctx: CompileCtx): { offset: number; size: number } | undefined {
  if (e.k === "field") {
    const f = ctx.fields.get(e.name);
    return f ? { offset: f.offset, size: f.size } : undefined;
  }
  if (e.k === "index" && e.e.k === "field" && e.i.k === "num" && e.i.v < 0x10000n) {
    const f = ctx.fields.get(e.e.name);
    return f ? { offset: f.offset + Number(e.i.v) * f.elementSize, size: f.elementSize } : undefined;
  }
  return undefined;
}

function smallField(arg: Expr, ctx: CompileCtx): { offset: number; size: number; mask: number } | undefined {
  let mask = 0xffffffff;
  let e = arg;
  while (e.k === "cast") {
    const m = castMask(e.type);
    if (m !== undefined) mask &= Number(m);
    e = e.e;
  }
  const loc = fixedLoc(e, ctx);
  if (!loc || (loc.size !== 1 && loc.size !== 2 && loc.size !== 4)) return undefined;
  return { offset: loc.offset, size: loc.size, mask };
}

function argField(arg: Expr): string | undefined {
  let e = arg;
  while (e.k === "cast") e = e.e;
  return e.k === "field" ? e.name : undefined;
}
