// C printf for one conversion, as glibc renders it for trace_seq_printf().
// Source of truth: C11 7.21.6.1 (flags - + space # 0, width, precision) and libtraceevent
// print_arg_number(): the value is cast to char/short/int/long/long long by its length modifier.

export interface ConvSpec {
  minus: boolean;
  plus: boolean;
  space: boolean;
  hash: boolean;
  zero: boolean;
  /** -1 when absent; -2 when `*` (taken from an argument) */
  width: number;
  precision: number;
  /** libtraceevent's `ls`: -2 hh, -1 h, 0 none, 1 l/z, 2 ll/L */
  ls: number;
  conv: string;
}

const SPEC_RE = /^%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?(hh|h|ll|l|L|z|Z|j|t)?([a-zA-Z])/;

/** Parses "%08lx"-style text; undefined when it is not a complete conversion. */
export function parseConvSpec(text: string): ConvSpec | undefined {
  const m = SPEC_RE.exec(text);
  if (!m) return undefined;
  const flags = m[1]!;
  const len = m[4] ?? "";
  let ls = 0;
  for (const c of len) ls = c === "h" ? ls - 1 : c === "l" ? ls + 1 : c === "L" ? 2 : c === "z" || c === "Z" ? 1 : ls;
  return {
    minus: flags.includes("-"),
    plus: flags.includes("+"),
    space: flags.includes(" "),
    hash: flags.includes("#"),
    zero: flags.includes("0"),
    width: m[2] === undefined ? -1 : m[2] === "*" ? -2 : Number(m[2]),
    precision: m[3] === undefined ? -1 : m[3] === "*" ? -2 : Number(m[3] || "0"),
    ls,
    conv: m[5]!,
  };
}

const BITS_BY_LS: Record<number, number> = { [-2]: 8, [-1]: 16, 0: 32, 1: 64, 2: 64 };

/** printf of an integer conversion (d i u x X o c) on a u64 value with a `*` width when given. */
export function formatInt(spec: ConvSpec, value: bigint, starArg = -1): string {
  const bits = BITS_BY_LS[spec.ls] ?? 64;
  if (spec.conv === "c") return pad(spec, String.fromCharCode(Number(value & 0xffn)), starArg);
  const signed = spec.conv === "d" || spec.conv === "i";
  const v = signed ? BigInt.asIntN(bits, value) : BigInt.asUintN(bits, value);
  return formatIntValue(spec, v, starArg);
}

/** Fast path for 32-bit-or-narrower casts on a JS number holding the unsigned value. */
export function formatIntNum(spec: ConvSpec, value: number, starArg = -1): string {
  const bits = BITS_BY_LS[spec.ls] ?? 64;
  if (bits > 32 || spec.conv === "c") return formatInt(spec, BigInt(value), starArg);
  const signed = spec.conv === "d" || spec.conv === "i";
  let v: number;
  if (bits === 32) v = signed ? value | 0 : value >>> 0;
  else if (bits === 16) v = signed ? (value << 16) >> 16 : value & 0xffff;
  else v = signed ? (value << 24) >> 24 : value & 0xff;
  if (spec.conv === "o") return formatIntValue(spec, BigInt(v), starArg);
  const neg = v < 0;
  const abs = neg ? -v : v;
  return formatDigits(spec, neg, abs.toString(spec.conv === "x" || spec.conv === "X" ? 16 : 10), abs === 0, starArg);
}

function formatIntValue(spec: ConvSpec, v: bigint, starArg: number): string {
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const radix = spec.conv === "x" || spec.conv === "X" ? 16 : spec.conv === "o" ? 8 : 10;
  return formatDigits(spec, neg, abs.toString(radix), abs === 0n, starArg);
}

/** The rest of an integer conversion once the magnitude's digits are known (lower-case hex). */
function formatDigits(spec: ConvSpec, neg: boolean, absDigits: string, isZero: boolean, starArg: number): string {
  let digits = spec.conv === "X" ? absDigits.toUpperCase() : absDigits;
  const plain = spec.width === -1 && spec.precision === -1 && !spec.plus && !spec.space && !spec.hash;
  if (plain) return neg ? `-${digits}` : digits;
  const precision = spec.precision === -2 ? -1 : spec.precision;
  if (precision === 0 && isZero) digits = "";
  if (precision > digits.length) digits = "0".repeat(precision - digits.length) + digits;
  let prefix = "";
  if (neg) prefix = "-";
  else if (spec.plus && (spec.conv === "d" || spec.conv === "i")) prefix = "+";
  else if (spec.space && (spec.conv === "d" || spec.conv === "i")) prefix = " ";
  if (spec.hash && !isZero && (spec.conv === "x" || spec.conv === "X")) prefix += spec.conv === "x" ? "0x" : "0X";
  if (spec.hash && spec.conv === "o" && !digits.startsWith("0")) digits = `0${digits}`;
  const width = spec.width === -2 ? starArg : spec.width;
  if (spec.zero && !spec.minus && precision < 0 && width > prefix.length + digits.length) {
    digits = "0".repeat(width - prefix.length - digits.length) + digits;
  }
  return padTo(prefix + digits, width, spec.minus);
}

const TWO32 = 4294967296;

/** "00".."ff" by byte value, so the low word of a pointer is four lookups instead of toString + pad. */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Hex digits of hi:lo without bigint. */
export function hex64(hi: number, lo: number): string {
  if (hi === 0) return lo.toString(16);
  return hi.toString(16) + HEX2[lo >>> 24]! + HEX2[(lo >>> 16) & 255]! + HEX2[(lo >>> 8) & 255]! + HEX2[lo & 255]!;
}

/**
 * Integer conversion of a u64 given as 32-bit halves; avoids bigint for hex and for values that
 * fit a double exactly, which is what nearly all fields hold.
 */
export function formatInt64(spec: ConvSpec, hi: number, lo: number, starArg = -1): string {
  const bits = BITS_BY_LS[spec.ls] ?? 64;
  if (bits <= 32 || spec.conv === "c") return formatIntNum(spec, lo, starArg);
  switch (spec.conv) {
    case "x":
    case "X":
      return formatDigits(spec, false, hex64(hi, lo), hi === 0 && lo === 0, starArg);
    case "u":
      if (hi < 0x200000) return formatDigits(spec, false, String(hi * TWO32 + lo), hi === 0 && lo === 0, starArg);
      break;
    case "d":
    case "i":
      if (hi < 0x200000) return formatDigits(spec, false, String(hi * TWO32 + lo), hi === 0 && lo === 0, starArg);
      if (hi >= 0xffe00000) {
        // two's complement magnitude: 2^64 - v
        const mag = (0xffffffff - hi) * TWO32 + (TWO32 - lo);
        return formatDigits(spec, true, String(mag), false, starArg);
      }
      break;
  }
  return formatInt(spec, (BigInt(hi) << 32n) | BigInt(lo), starArg);
}

/** printf %s with width/precision; `*` takes starArg (for width or precision, whichever is `*`). */
export function formatStr(spec: ConvSpec, s: string, starArg = -1): string {
  let text = s;
  const precision = spec.precision === -2 ? starArg : spec.precision;
  if (precision >= 0 && utf8Length(text) > precision) text = truncateBytes(text, precision);
  return pad(spec, text, starArg);
}

/** C counts bytes: the UTF-8 length of the text the record's bytes decode to. */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c < 0xdc00) (n += 2), i++;
    else n += 2;
  }
  return n;
}

function truncateBytes(s: string, max: number): string {
  let bytes = 0;
  let i = 0;
  for (; i < s.length; i++) {
    const w = utf8Length(s[i]!);
    if (bytes + w > max) break;
    bytes += w;
  }
  return s.slice(0, i);
}

function pad(spec: ConvSpec, text: string, starArg: number): string {
  let width = spec.width === -2 ? starArg : spec.width;
  let minus = spec.minus;
  if (width < -2 || (spec.width === -2 && starArg < 0)) {
    // A negative `*` width means left-justify.
    minus = true;
    width = -starArg;
  }
  return padTo(text, width, minus);
}

function padTo(text: string, width: number, left: boolean): string {
  if (width <= text.length) return text;
  const len = utf8Length(text);
  if (width <= len) return text;
  const fill = " ".repeat(width - len);
  return left ? text + fill : fill + text;
}
