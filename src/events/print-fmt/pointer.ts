// `%p` and its extensions (%pS %ps %pF %pf %pM %pm %pI4 %pi4 %pI6 %pi6 %pI6c %pU %ph ...).
// Source of truth: libtraceevent src/event-parse.c parse_arg_format_pointer() (which letters belong
// to the conversion), print_arg_pointer(), print_function(), print_mac_arg(), print_ip*_arg(),
// print_uuid_arg(), print_raw_buff_arg(); glibc "%p" prints "(nil)" for 0.

import { dynamicLoc, readHi, readLo, type Rec } from "../field-info.ts";
import { hex64 } from "../printf.ts";
import { isFieldRef, type Expr } from "./ast.ts";
import type { CompileCtx } from "./context.ts";
import { castMask, compileNum, identValue } from "./eval-num.ts";
import { compileTruth } from "./eval-fast.ts";
import { putHex64, putHexPrefix, putPointer, type Emit } from "./emit.ts";
import { putBytes } from "../../lib/byte-sink.ts";
import { SymbolTextCache, type RenderSymbol } from "../symbol-text.ts";

export type PtrFn = (r: Rec, starArg: number) => string;

/** How many letters after 'p' belong to the conversion (parse_arg_format_pointer()). */
export function pointerSuffixLength(s: string): number {
  const c = s[0];
  if (c === "F" || c === "S" || c === "f" || c === "s") return 1;
  if (c === "M" || c === "m") return s[1] === "R" || s[1] === "F" ? 2 : 1;
  if (c === "I" || c === "i") return ipSuffixLength(s);
  if (c === "U") return "LlBb".includes(s[1] ?? "") && s[1] !== undefined ? 2 : 1;
  if (c === "h") return "CDN".includes(s[1] ?? "") && s[1] !== undefined ? 2 : 1;
  return 0;
}

function ipSuffixLength(s: string): number {
  let ret = 0;
  let index = 2;
  const v = s[1];
  if (v === "S") {
    while ("pfs".includes(s[index] ?? "") && s[index] !== undefined) {
      ret++;
      index++;
    }
  }
  if (v === "S" || v === "4") {
    if ("hnlb".includes(s[index] ?? "") && s[index] !== undefined) {
      ret++;
      index++;
    }
    if (v === "4") return ret + 2;
  }
  if (v === "S" || v === "6") {
    if (s[index] === "c") ret++;
    ret++;
  }
  return ret + 1;
}

function stripCasts(e: Expr): Expr {
  while (e.k === "cast") e = e.e;
  return e;
}

export function compilePointer(suffix: string, arg: Expr, ctx: CompileCtx): PtrFn {
  const c = suffix[0];
  if (arg.k === "str") return () => arg.v; // bprint %s-like pointer strings
  switch (c) {
    case "F":
    case "f":
    case "S":
    case "s":
      return symbolPtr(c === "F" || c === "S", arg, ctx);
    case "M":
    case "m":
      return macPtr(suffix, arg, ctx);
    case "I":
    case "i":
      return ipPtr(suffix, arg, ctx);
    case "U":
      return uuidPtr(suffix, arg, ctx);
    case "h":
      return hexPtr(suffix, arg, ctx);
    default: {
      const at = plainPointerField(arg, ctx);
      if (at !== undefined) {
        return (r) => {
          const hi = readHi(r, at);
          const lo = readLo(r, at);
          return hi === 0 && lo === 0 ? "(nil)" : `0x${hex64(hi, lo)}`;
        };
      }
      const v = compileNum(arg, ctx);
      return (r) => {
        const x = v(r);
        return x === 0n ? "(nil)" : `0x${x.toString(16)}`;
      };
    }
  }
}

/** symbolPtr()'s text ("name+0xoff", "name" or "0x<hex>") for a symbol found (or not) at hi:lo. */
function symbolText(withOffset: boolean): RenderSymbol {
  return (sym) => (withOffset ? `${sym.name}+0x${sym.offset.toString(16)}` : sym.name);
}

/**
 * %pS %ps %pF %pf of a plain 8-byte field as an emitter of cached bytes (symbolPtr()'s fast case);
 * undefined where symbolPtr() takes its general path.
 */
export function emitSymbolPointer(suffix: string, arg: Expr, ctx: CompileCtx): Emit | undefined {
  const c = suffix[0];
  if (suffix.length !== 1 || !(c === "F" || c === "f" || c === "S" || c === "s")) return undefined;
  const f = fixedField(arg, ctx);
  if (!f || f.size !== 8 || !ctx.symbols.lookupParts || castsToSmall(arg)) return undefined;
  const at = f.offset;
  const cache = new SymbolTextCache(ctx.symbols, symbolText(c === "F" || c === "S"));
  return (r, out) => {
    const hi = readHi(r, at);
    const lo = readLo(r, at);
    const text = cache.bytes(hi, lo);
    if (text) {
      out.room(text.length);
      return putBytes(out, text);
    }
    // In no symbol: "0x" and the hex digits, as symbolPtr() prints it.
    out.room(24);
    putHexPrefix(out);
    putHex64(out, hi, lo);
  };
}

function symbolPtr(withOffset: boolean, arg: Expr, ctx: CompileCtx): PtrFn {
  const f = fixedField(arg, ctx);
  const parts = ctx.symbols.lookupParts?.bind(ctx.symbols);
  if (f && f.size === 8 && parts && !castsToSmall(arg)) {
    const at = f.offset;
    return (r) => {
      const hi = readHi(r, at);
      const lo = readLo(r, at);
      const sym = parts(hi, lo);
      if (!sym) return `0x${hex64(hi, lo)}`;
      return withOffset ? `${sym.name}+0x${sym.offset.toString(16)}` : sym.name;
    };
  }
  const v = compileNum(arg, ctx);
  return (r) => {
    const addr = v(r);
    const sym = ctx.symbols.lookup(addr);
    if (!sym) return `0x${addr.toString(16)}`;
    return withOffset ? `${sym.name}+0x${(addr - sym.start).toString(16)}` : sym.name;
  };
}

/** Where a plain %p reads its pointer: an 8-byte field not cast to a smaller type; else undefined. */
export function plainPointerField(arg: Expr, ctx: CompileCtx): number | undefined {
  const f = fixedField(arg, ctx);
  return f && f.size === 8 && !castsToSmall(arg) ? f.offset : undefined;
}

function castsToSmall(arg: Expr): boolean {
  for (let e = arg; e.k === "cast"; e = e.e) if (castMask(e.type) !== undefined) return true;
  return false;
}

function fixedField(arg: Expr, ctx: CompileCtx) {
  const e = stripCasts(arg);
  return e.k === "field" ? ctx.fields.get(e.name) : undefined;
}

const h2 = (b: number | undefined) => (b ?? 0).toString(16).padStart(2, "0");

function macPtr(suffix: string, arg: Expr, ctx: CompileCtx): PtrFn {
  const f = fixedField(arg, ctx);
  if (!f) return () => "ARG TYPE NOT FIELD BUT 0";
  if (f.size !== 6) return () => "INVALIDMAC";
  const sep = suffix[0] === "m" ? "" : suffix[1] === "F" ? "-" : ":";
  const reverse = suffix[1] === "R";
  return (r) => {
    const b = Array.from(r.bytes.subarray(f.offset, f.offset + 6), (x) => h2(x));
    return (reverse ? b.reverse() : b).join(sep);
  };
}

function ipPtr(suffix: string, arg: Expr, ctx: CompileCtx): PtrFn {
  const lead = suffix[0]!;
  const version = suffix[1];
  const f = fixedField(arg, ctx);
  if (version === "4") {
    const m = suffix[2];
    const reverse = m === "l" || (m === "h" && ctx.littleEndian);
    if (!f) return () => "ARG TYPE NOT FIELD BUT 0";
    if (f.size !== 4) return () => "INVALIDIPv4";
    return (r) => ip4(r.bytes.subarray(f.offset, f.offset + 4), lead, reverse);
  }
  if (version === "6") {
    if (!f) return () => "ARG TYPE NOT FIELD BUT 0";
    if (f.size !== 16) return () => "INVALIDIPv6";
    const compressed = lead === "I" && suffix[2] === "c";
    return (r) => {
      const b = r.bytes.subarray(f.offset, f.offset + 16);
      return compressed ? ip6c(b) : ip6(b, lead === "I");
    };
  }
  if (version === "S") return sockaddrPtr(suffix, arg, ctx);
  return () => "";
}

/**
 * %pIS[p][c]: a struct sockaddr in a field or dynamic array. The family and port are read the
 * way trace-cmd on an x86 (little-endian) host reads them.
 */
function sockaddrPtr(suffix: string, arg: Expr, ctx: CompileCtx): PtrFn {
  const lead = suffix[0]!;
  let i = 2;
  let port = false;
  let compressed = false;
  if (lead === "I" && suffix[i] === "p") (port = true), i++;
  if (lead === "I" && suffix[i] === "c") (compressed = true), i++;
  const m = suffix[i];
  const reverse = m === "l" || (m === "h" && ctx.littleEndian);
  const e = stripCasts(arg);
  const field = e.k === "field" ? ctx.fields.get(e.name) : undefined;
  const dyn = e.k === "call" && /^__get_(rel_)?(dynamic_array|sockaddr)(_rel)?$/.test(e.name) && isFieldRef(e.args[0]) ? ctx.fields.get(e.args[0].name) : undefined;
  if (!field && !dyn) return () => "ARG NOT FIELD NOR DYNAMIC ARRAY BUT TYPE 0";
  return (r) => {
    const { offset, len } = dyn ? dynamicLoc(r, dyn) : { offset: field!.offset, len: field!.size };
    const b = r.bytes;
    const family = (b[offset] ?? 0) | ((b[offset + 1] ?? 0) << 8);
    const portOf = (at: number) => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
    if (family === 2) {
      if (len < 16) return "INVALIDIPv4";
      return ip4(b.subarray(offset + 4, offset + 8), lead, reverse) + (port ? `:${portOf(offset + 2)}` : "");
    }
    if (family === 10) {
      if (len < 28) return "INVALIDIPv6";
      const a = b.subarray(offset + 8, offset + 24);
      const text = compressed ? ip6c(a) : ip6(a, lead === "I");
      return port ? `[${text}]:${portOf(offset + 2)}` : text;
    }
    return "";
  };
}

function ip4(b: Uint8Array, lead: string, reverse: boolean): string {
  const parts = Array.from(reverse ? [...b].reverse() : b, (x) => (lead === "i" ? String(x).padStart(3, "0") : String(x)));
  return parts.join(".");
}

function ip6(b: Uint8Array, colons: boolean): string {
  const parts: string[] = [];
  for (let j = 0; j < 16; j += 2) parts.push(h2(b[j]) + h2(b[j + 1]));
  return parts.join(colons ? ":" : "");
}

/** RFC 5952-like compression as print_ip6c_addr() does it. */
function ip6c(b: Uint8Array): string {
  const words = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  const v4mapped = words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0 && words[4] === 0 && words[5] === 0xffff;
  const isatap = (words[4]! | 0x0200) === 0x0200 && words[5] === 0x5efe;
  const useV4 = v4mapped || isatap;
  const range = useV4 ? 6 : 8;
  let longest = 1;
  let colonpos = -1;
  for (let i = 0; i < range; i++) {
    let n = 0;
    for (let j = i; j < range && words[j] === 0; j++) n++;
    if (n > longest) {
      longest = n;
      colonpos = i;
    }
  }
  let out = "";
  let needcolon = false;
  for (let i = 0; i < range; i++) {
    if (i === colonpos) {
      if (needcolon || i === 0) out += ":";
      out += ":";
      needcolon = false;
      i += longest - 1;
      continue;
    }
    if (needcolon) out += ":";
    out += words[i]!.toString(16);
    needcolon = true;
  }
  if (useV4) out += `${needcolon ? ":" : ""}${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  return out;
}

const GUID_INDEX = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];

function uuidPtr(suffix: string, arg: Expr, ctx: CompileCtx): PtrFn {
  const f = fixedField(arg, ctx);
  if (!f) return () => "ARG TYPE NOT FIELD BUT 0";
  if (f.size !== 16) return () => "INVALIDUUID";
  const upper = suffix[1] === "L" || suffix[1] === "B";
  const guid = suffix[1] === "L" || suffix[1] === "l";
  return (r) => {
    let out = "";
    for (let i = 0; i < 16; i++) {
      const byte = h2(r.bytes[f.offset + (guid ? GUID_INDEX[i]! : i)]);
      out += upper ? byte.toUpperCase() : byte;
      if (i === 3 || i === 5 || i === 7 || i === 9) out += "-";
    }
    return out;
  };
}

function hexPtr(suffix: string, arg: Expr, ctx: CompileCtx): PtrFn {
  const delim = suffix[1] === "C" ? ":" : suffix[1] === "D" ? "-" : suffix[1] === "N" ? "" : " ";
  const e = stripCasts(arg);
  const f = e.k === "call" && /^__get_(rel_)?dynamic_array$/.test(e.name) && isFieldRef(e.args[0]) ? ctx.fields.get(e.args[0].name) : undefined;
  if (!f) return () => `ARG TYPE NOT FIELD BUT 0`;
  return (r, starArg) => {
    const { offset, len } = dynamicLoc(r, f);
    const n = Math.min(len, starArg);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(h2(r.bytes[offset + i]));
    return parts.join(delim);
  };
}

/** A pointer as a constant (a number, a kernel symbol) plus at most one 8-byte field. */
interface PointerSum {
  constant: bigint;
  field?: number;
}

function pointerSum(e: Expr, ctx: CompileCtx): PointerSum | undefined {
  if (e.k === "cast") return castMask(e.type) === undefined ? pointerSum(e.e, ctx) : undefined;
  if (e.k === "num") return { constant: e.v };
  if (e.k === "ident") return { constant: identValue(e.name, ctx) };
  if (e.k === "field") {
    const f = ctx.fields.get(e.name);
    return f && f.size === 8 && !f.isArray ? { constant: 0n, field: f.offset } : undefined;
  }
  if (e.k !== "binary" || e.op !== "+") return undefined;
  const l = pointerSum(e.l, ctx);
  const r = pointerSum(e.r, ctx);
  if (!l || !r || (l.field !== undefined && r.field !== undefined)) return undefined;
  return { constant: BigInt.asUintN(64, l.constant + r.constant), field: l.field ?? r.field };
}

/**
 * %p of `(struct page *)vmemmap_base + REC->pfn` and the like (a constant plus a field, or a choice
 * of such): the 64-bit sum in two 32-bit halves, where compilePointer() adds bigints. undefined for
 * anything else.
 */
export function emitPointerSum(arg: Expr, ctx: CompileCtx): Emit | undefined {
  if (arg.k === "cond") {
    const t = emitPointerSum(arg.t, ctx);
    const f = emitPointerSum(arg.f, ctx);
    if (!t || !f) return undefined;
    const truth = compileTruth(arg.c, ctx);
    return (r, out) => (truth(r) ? t(r, out) : f(r, out));
  }
  const sum = pointerSum(arg, ctx);
  if (!sum) return undefined;
  const cHi = Number(sum.constant >> 32n);
  const cLo = Number(sum.constant & 0xffffffffn);
  const at = sum.field;
  return (r, out) => {
    out.room(24);
    if (at === undefined) return putPointer(out, cHi, cLo);
    const lo = cLo + readLo(r, at);
    const hi = (cHi + readHi(r, at) + (lo >= 4294967296 ? 1 : 0)) >>> 0;
    putPointer(out, hi, lo >>> 0);
  };
}
