// Conversions written straight into the output bytes: the plain integer conversions (%d %u %x with
// no flags, width or precision, and %#x) and plain %p that most print fmts use, so a record's text needs no
// number strings.
// Source of truth: src/events/printf.ts (the same casts: formatIntNum(), formatInt64(), hex64()).

import { encodeText, putBytes, putText, writeText, type ByteSink } from "../../lib/byte-sink.ts";
import { compileTruth } from "./eval-fast.ts";
import { cString, dynamicLoc, readHi, readLo, readSmall, type FieldInfo, type Rec } from "../field-info.ts";
import type { Expr } from "./ast.ts";
import type { CompileCtx } from "./context.ts";
import type { ConvSpec } from "../printf.ts";

export type Emit = (r: Rec, out: ByteSink) => void;

/** Widest plain integer: "-" and 20 digits. */
const NUMBER_BYTES = 24;
const HEX_DIGITS = Uint8Array.from("0123456789abcdef", (c) => c.charCodeAt(0));
const TWO32 = 4294967296;

/** A non-negative integer below 2^53 in decimal. */
export function putUnsigned(out: ByteSink, v: number): void {
  const buf = out.buf;
  let digits = 1;
  for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
  let at = out.pos + digits;
  out.pos = at;
  let x = v;
  do {
    const q = Math.floor(x / 10);
    buf[--at] = 48 + x - q * 10;
    x = q;
  } while (x > 0);
}

export function putDecimal(out: ByteSink, v: number): void {
  if (v < 0) {
    out.buf[out.pos++] = 45;
    putUnsigned(out, -v);
  } else putUnsigned(out, v);
}

/** Lower-case hex of a uint32, no leading zeros. */
export function putHex32(out: ByteSink, v: number): void {
  const buf = out.buf;
  let digits = 1;
  for (let x = v >>> 4; x !== 0; x >>>= 4) digits++;
  let at = out.pos + digits;
  out.pos = at;
  let x = v;
  do {
    buf[--at] = HEX_DIGITS[x & 15]!;
    x >>>= 4;
  } while (x !== 0);
}

export function putHex64(out: ByteSink, hi: number, lo: number): void {
  if (hi === 0) return putHex32(out, lo);
  putHex32(out, hi);
  const buf = out.buf;
  for (let shift = 28; shift >= 0; shift -= 4) buf[out.pos++] = HEX_DIGITS[(lo >>> shift) & 15]!;
}

function isPlain(spec: ConvSpec): boolean {
  return spec.width === -1 && spec.precision === -1 && !spec.plus && !spec.space && (!spec.hash || spec.conv === "x") && "diux".includes(spec.conv);
}

/** "0x": before %p's digits, a symbol-less address, a raw pointer field, "%#x" of a value that is not 0. */
export function putHexPrefix(out: ByteSink): void {
  out.buf[out.pos++] = 48;
  out.buf[out.pos++] = 120;
}

/** An unsigned 64-bit hi:lo in decimal: doubles while exact, else a bigint's text. */
export function putU64(out: ByteSink, hi: number, lo: number): void {
  if (hi < 0x200000) putUnsigned(out, hi * TWO32 + lo);
  else putText(out, ((BigInt(hi) << 32n) | BigInt(lo)).toString());
}

/** A signed 64-bit hi:lo in decimal: doubles while exact (either sign), else a bigint's text. */
export function putS64(out: ByteSink, hi: number, lo: number): void {
  if (hi < 0x200000) putUnsigned(out, hi * TWO32 + lo);
  else if (hi >= 0xffe00000) {
    out.buf[out.pos++] = 45;
    putUnsigned(out, (0xffffffff - hi) * TWO32 + (TWO32 - lo));
  } else putText(out, BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString());
}

/** A value of 32 bits or fewer, cast as printf's length modifier says (formatIntNum()). */
function castNarrow(spec: ConvSpec): (value: number) => number {
  const signed = spec.conv === "d" || spec.conv === "i";
  if (spec.ls === -2) return signed ? (v) => (v << 24) >> 24 : (v) => v & 0xff;
  if (spec.ls === -1) return signed ? (v) => (v << 16) >> 16 : (v) => v & 0xffff;
  return signed ? (v) => v | 0 : (v) => v >>> 0;
}

/** An emitter for a plain conversion of a field of up to 4 bytes; undefined when not plain. */
export function emitSmall(spec: ConvSpec, offset: number, size: number, mask: number): Emit | undefined {
  if (!isPlain(spec) || spec.ls > 0) return undefined;
  const cast = castNarrow(spec);
  const hex = spec.conv === "x";
  const alt = spec.hash;
  return (r, out) => {
    out.room(NUMBER_BYTES);
    const v = cast(readSmall(r, offset, size) & mask);
    if (alt && v !== 0) putHexPrefix(out);
    if (hex) putHex32(out, v);
    else putDecimal(out, v);
  };
}

/** Writes the 64-bit value hi:lo as a plain conversion (see isPlain()); the caller has made room. */
type IntWriter = (out: ByteSink, hi: number, lo: number) => void;

function intWriter(spec: ConvSpec): IntWriter {
  const alt = spec.hash;
  const hex = spec.conv === "x";
  if (spec.ls <= 0) {
    const cast = castNarrow(spec);
    return (out, _hi, lo) => {
      const v = cast(lo);
      if (alt && v !== 0) putHexPrefix(out);
      if (hex) putHex32(out, v);
      else putDecimal(out, v);
    };
  }
  const signed = spec.conv === "d" || spec.conv === "i";
  return (out, hi, lo) => {
    if (alt && (hi !== 0 || lo !== 0)) putHexPrefix(out);
    if (hex) putHex64(out, hi, lo);
    else if (signed) putS64(out, hi, lo);
    else putU64(out, hi, lo);
  };
}

/** An emitter for a plain conversion of an 8-byte field; values a double cannot hold go through printf.ts. */
export function emitWide(spec: ConvSpec, offset: number): Emit | undefined {
  if (!isPlain(spec)) return undefined;
  const write = intWriter(spec);
  return (r, out) => {
    out.room(NUMBER_BYTES);
    write(out, readHi(r, offset), readLo(r, offset));
  };
}

/**
 * An emitter for a plain conversion of a computed value (`REC->a >> 12`, a cast of a sum): `fast`
 * gives it while it is a non-negative integer below 2^53 (eval-fast.ts), else NaN, and then the
 * text path prints it (compileNumber() does the same with strings).
 */
export function emitComputed(spec: ConvSpec, fast: (r: Rec) => number, text: (r: Rec) => string): Emit | undefined {
  if (!isPlain(spec)) return undefined;
  const write = intWriter(spec);
  return (r, out) => {
    const x = fast(r);
    if (x !== x) return writeText(out, text(r));
    out.room(NUMBER_BYTES);
    write(out, Math.floor(x / TWO32), x >>> 0);
  };
}

/**
 * A conversion with a width ("%08lx", "%5d"): the inner emitter writes the plain digits, then they
 * are padded as printf pads them (zeros after the sign with "0", spaces after with "-", else spaces
 * before). Only for conversions without precision, "+", " " or "#" (formatDigits() in printf.ts).
 */
export function emitPadded(inner: Emit, width: number, zero: boolean, minus: boolean): Emit {
  return (r, out) => {
    out.room(NUMBER_BYTES + width);
    const start = out.pos;
    inner(r, out);
    const pad = width - (out.pos - start);
    if (pad <= 0) return;
    const buf = out.buf;
    if (minus) {
      for (let i = 0; i < pad; i++) buf[out.pos++] = 32;
      return;
    }
    for (let i = out.pos - 1; i >= start; i--) buf[i + pad] = buf[i]!;
    out.pos += pad;
    if (!zero) {
      for (let i = start; i < start + pad; i++) buf[i] = 32;
      return;
    }
    let at = start;
    if (buf[start + pad] === 45) {
      buf[at++] = 45; // the sign goes before the zeros
      buf[start + pad] = 48;
    }
    for (; at < start + pad; at++) buf[at] = 48;
  };
}

/** What emitPadded() needs of a spec, or undefined when the conversion is plain or needs printf.ts. */
export function paddingOf(spec: ConvSpec): { width: number; zero: boolean; minus: boolean } | undefined {
  if (spec.width < 0 || spec.precision !== -1 || spec.plus || spec.space || spec.hash || !"diux".includes(spec.conv)) return undefined;
  return { width: spec.width, zero: spec.zero && !spec.minus, minus: spec.minus };
}

/** The 64-bit value hi:lo as %p prints it: "(nil)" for 0, else "0x" and lower-case hex. */
export function putPointer(out: ByteSink, hi: number, lo: number): void {
  const buf = out.buf;
  if (hi === 0 && lo === 0) {
    for (let i = 0; i < NIL.length; i++) buf[out.pos++] = NIL[i]!;
    return;
  }
  putHexPrefix(out);
  putHex64(out, hi, lo);
}

const NIL = Uint8Array.from("(nil)", (c) => c.charCodeAt(0));

/** A plain %p of an 8-byte field: "0x" and lower-case hex, or "(nil)" for 0 (pointer.ts's text). */
export function emitPointer64(offset: number): Emit {
  return (r, out) => {
    out.room(NUMBER_BYTES);
    putPointer(out, readHi(r, offset), readLo(r, offset));
  };
}

/**
 * A plain %s of a char array field or of __get_str(field): the bytes up to the NUL, copied. A string
 * with a byte >= 0x80 goes through cString() as the text path does, so the output stays the same.
 */
export function emitString(arg: Expr, ctx: CompileCtx): Emit | undefined {
  if (arg.k === "field") {
    const f = ctx.fields.get(arg.name);
    if (!f || (!f.isArray && f.size === ctx.longSize)) return undefined;
    const { offset, size } = f;
    return (r, out) => putCString(out, r.bytes, offset, size || r.bytes.length - offset);
  }
  if (arg.k === "cond" && arg.t.k === "str" && arg.f.k === "str") return emitChoice(arg.c, arg.t.v, arg.f.v, ctx);
  if (arg.k === "call" && (arg.name === "__get_str" || arg.name === "__get_rel_str")) {
    const a = arg.args[0];
    const f: FieldInfo | undefined = a?.k === "field" || a?.k === "ident" ? ctx.fields.get(a.name) : undefined;
    if (!f) return undefined;
    return (r, out) => {
      const { offset, len } = dynamicLoc(r, f);
      if (len !== 0) putCString(out, r.bytes, offset, r.bytes.length - offset);
    };
  }
  return undefined;
}

/** cString(bytes, offset, max) written at out.pos. */
function putCString(out: ByteSink, bytes: Uint8Array, offset: number, max: number): void {
  const end = Math.min(bytes.length, offset + Math.max(0, max));
  out.room(Math.max(0, end - offset));
  const buf = out.buf;
  let pos = out.pos;
  for (let i = offset; i < end; i++) {
    const c = bytes[i]!;
    if (c === 0) break;
    if (c >= 0x80) {
      // The ASCII so far stays; the rest is decoded from here as cString() decodes it.
      out.pos = pos;
      writeText(out, cString(bytes, i, end - i));
      return;
    }
    buf[pos++] = c;
  }
  out.pos = pos;
}

/** `COND ? "yes" : "no"` printed with a plain %s: the two texts encoded once. */
function emitChoice(cond: Expr, yes: string, no: string, ctx: CompileCtx): Emit {
  const whenTrue = encodeText(yes);
  const whenFalse = encodeText(no);
  const truth = compileTruth(cond, ctx);
  return (r, out) => {
    const text = truth(r) ? whenTrue : whenFalse;
    out.room(text.length);
    putBytes(out, text);
  };
}
