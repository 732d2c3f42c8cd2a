// The print fmt helper functions (__get_str, __print_flags, ...) and the functions libtraceevent's
// plugins register (jiffies_to_msecs, jbd2_dev_to_name, ...), as a name → compiler table.
// Source of truth: libtraceevent src/event-parse.c process_function(), print_str_arg(),
// print_bitmask_to_seq(), print_cpumask_to_seq(); plugins/plugin_jbd2.c, plugin_cfg80211.c.

import { cString, dynamicLoc, type FieldInfo, type Rec } from "../field-info.ts";
import type { Expr } from "./ast.ts";
import type { CompileCtx } from "./context.ts";
import { compileFast } from "./eval-fast.ts";
import { compileNum, type NumFn } from "./eval-num.ts";
import { identity, type StrFn } from "./eval-str.ts";
import { flagTable, type FlagEntry } from "./flags.ts";

type HelperCompiler = (args: Expr[], ctx: CompileCtx) => StrFn;

/** Where an array helper's bytes start: a fixed field or a dynamic array. */
function arrayStart(arg: Expr | undefined, ctx: CompileCtx): ((r: Rec) => number) | undefined {
  if (arg?.k === "field") {
    const f = ctx.fields.get(arg.name);
    return f ? () => f.offset : undefined;
  }
  if (arg?.k === "call" && /^__get_(rel_)?dynamic_array$/.test(arg.name)) {
    const f = fieldArg(arg.args, ctx);
    return f ? (r) => dynamicLoc(r, f).offset : undefined;
  }
  return undefined;
}

function fieldArg(args: Expr[], ctx: CompileCtx): FieldInfo | undefined {
  const a = args[0];
  return a?.k === "field" || a?.k === "ident" ? ctx.fields.get(a.name) : undefined;
}

function num(args: Expr[], i: number, ctx: CompileCtx): NumFn {
  const a = args[i];
  return a ? compileNum(a, ctx) : () => 0n;
}

const getStr: HelperCompiler = (args, ctx) => {
  const f = fieldArg(args, ctx);
  if (!f) return () => "";
  return (r, put) => {
    const { offset, len } = dynamicLoc(r, f);
    return len === 0 ? "" : put(cString(r.bytes, offset));
  };
};

function printFlags(args: Expr[], ctx: CompileCtx): StrFn {
  const val = num(args, 0, ctx);
  const fast = args[0] ? compileFast(args[0], ctx) : undefined;
  const delim = args[1]?.k === "str" ? args[1].v : "";
  const table = flagTable(args.slice(2));
  const slow = printFlagsBig(val, delim, table);
  // Fast path: every value fits 31 bits, so number bit operations are exact.
  if (!table.every(({ value }) => value >= -1n && value < 0x80000000n)) return slow;
  const small = table.map(({ value, name }) => ({ value: Number(value), name }));
  // The same flag values recur; remember the text of plain "%s" renderings.
  const memo = new Map<number, string>();
  return (r, put) => {
    const f = fast ? fast(r) : NaN;
    let key: number;
    if (f === f && f < 0x80000000) key = f;
    else {
      const big = val(r);
      if (big >= 0x80000000n) return slow(r, put);
      key = Number(big);
    }
    if (put === identity) {
      const hit = memo.get(key);
      if (hit !== undefined) return hit;
    }
    let v = key;
    let out = "";
    let printed = false;
    for (let i = 0; i < small.length; i++) {
      const { value, name } = small[i]!;
      if (v === 0 && value < 0) {
        out += put(name);
        break;
      }
      if (value > 0 && (v & value) === value) {
        if (printed && delim) out += delim;
        out += put(name);
        printed = true;
        v &= ~value;
      }
    }
    if (v !== 0) {
      if (printed && delim) out += delim;
      out += `0x${v.toString(16)}`;
    }
    if (put === identity) {
      if (memo.size >= 4096) memo.clear();
      memo.set(key, out);
    }
    return out;
  };
}

function printFlagsBig(val: NumFn, delim: string, table: FlagEntry[]): StrFn {
  return (r, put) => {
    let v = BigInt.asIntN(64, val(r));
    let out = "";
    let printed = false;
    for (const { value, name } of table) {
      if (v === 0n && value < 0n) {
        out += put(name);
        break;
      }
      if (value > 0n && (v & value) === value) {
        if (printed && delim) out += delim;
        out += put(name);
        printed = true;
        v &= ~value;
      }
    }
    if (v !== 0n) {
      if (printed && delim) out += delim;
      out += `0x${BigInt.asUintN(64, v).toString(16)}`;
    }
    return out;
  };
}

function printSymbolic(args: Expr[], ctx: CompileCtx): StrFn {
  const val = num(args, 0, ctx);
  const fast = args[0] ? compileFast(args[0], ctx) : undefined;
  const table: FlagEntry[] = flagTable(args.slice(1));
  const byValue = new Map<bigint, string>();
  for (const { value, name } of table) if (!byValue.has(value)) byValue.set(value, name);
  // Non-negative values below 2^53 read the same as a number key.
  const byNumber = new Map<number, string>();
  for (const [v, name] of byValue) if (v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER)) byNumber.set(Number(v), name);
  return (r, put) => {
    const f = fast ? fast(r) : NaN;
    if (f === f && f <= 0x7fffffffffffffff) {
      const name = byNumber.get(f);
      return name !== undefined ? put(name) : `0x${hexOfSafe(f)}`;
    }
    const v = BigInt.asIntN(64, val(r));
    const name = byValue.get(v);
    return name !== undefined ? put(name) : `0x${BigInt.asUintN(64, v).toString(16)}`;
  };
}

function hexOfSafe(v: number): string {
  return v <= 0xffffffff ? v.toString(16) : Math.floor(v / 4294967296).toString(16) + (v >>> 0).toString(16).padStart(8, "0");
}

function printHex(sep: string): HelperCompiler {
  return (args, ctx) => {
    const start = arrayStart(args[0], ctx);
    const len = num(args, 1, ctx);
    if (!start) return () => "";
    return (r) => {
      const at = start(r);
      const n = Number(len(r));
      const parts: string[] = [];
      for (let i = 0; i < n; i++) parts.push((r.bytes[at + i] ?? 0).toString(16).padStart(2, "0"));
      return parts.join(sep);
    };
  };
}

/**
 * libtraceevent 1.7.1 __print_array(): elements in decimal ("%u"), separated by spaces, read in
 * the host's byte order (trace-cmd on x86: little-endian).
 */
const printArray: HelperCompiler = (args, ctx) => {
  const start = arrayStart(args[0], ctx);
  const count = num(args, 1, ctx);
  const elSize = num(args, 2, ctx);
  if (!start) return () => "";
  return (r) => {
    let at = start(r);
    const n = Number(BigInt.asUintN(32, count(r)));
    let size = Number(BigInt.asIntN(32, elSize(r)));
    const b = r.bytes;
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      let v = 0n;
      if (size === 1 || size === 2 || size === 4 || size === 8) {
        for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[at + k] ?? 0);
        parts.push(v.toString());
      } else {
        parts.push(`BAD SIZE:${size} 0x${(b[at] ?? 0).toString(16)}`);
        size = 1;
      }
      at += size;
    }
    return parts.join(" ");
  };
};

/** Hex words, most significant first, a comma every 32 bits (print_bitmask_to_seq). */
function bitmaskText(bytes: Uint8Array, le: boolean): string {
  const size = bytes.length;
  let out = "";
  for (let len = 0; len < size; len++) {
    const b = bytes[le ? len : size - (len + 1)]!;
    out = b.toString(16).padStart(2, "0") + out;
    if ((len + 1) % 4 === 0 && len + 1 < size) out = `,${out}`;
  }
  return out;
}

/** CPU ranges like "0-3,5" (print_cpumask_to_seq). */
function cpumaskText(bytes: Uint8Array, le: boolean): string {
  const size = bytes.length;
  const bit = (i: number) => ((bytes[le ? i >> 3 : size - 1 - (i >> 3)]! >> (i & 7)) & 1) === 1;
  const parts: string[] = [];
  for (let i = 0; i < size * 8; i++) {
    if (!bit(i)) continue;
    let j = i;
    while (j + 1 < size * 8 && bit(j + 1)) j++;
    parts.push(j > i ? `${i}-${j}` : `${i}`);
    i = j;
  }
  return parts.join(",");
}

function maskHelper(render: (b: Uint8Array, le: boolean) => string): HelperCompiler {
  return (args, ctx) => {
    const f = fieldArg(args, ctx);
    if (!f) return () => "";
    return (r, put) => {
      const { offset, len } = dynamicLoc(r, f);
      return put(render(r.bytes.subarray(offset, offset + len), r.le));
    };
  };
}

const jbd2DevToName: HelperCompiler = (args, ctx) => {
  const dev = num(args, 0, ctx);
  return (r) => {
    const d = Number(dev(r) & 0xffffffffn);
    return `${d >>> 20}:${d & 0xfffff}`;
  };
};

const jiffiesToMsecs: HelperCompiler = (args, ctx) => {
  const v = num(args, 0, ctx);
  return (r) => BigInt.asIntN(64, v(r)).toString();
};

export const HELPERS: Record<string, HelperCompiler> = {
  __get_str: getStr,
  __get_rel_str: getStr,
  __print_flags: printFlags,
  __print_flags_u64: printFlags,
  __print_symbolic: printSymbolic,
  __print_symbolic_u64: printSymbolic,
  __print_hex: printHex(" "),
  __print_hex_str: printHex(""),
  __print_array: printArray,
  __get_bitmask: maskHelper(bitmaskText),
  __get_rel_bitmask: maskHelper(bitmaskText),
  __get_cpumask: maskHelper(cpumaskText),
  __get_rel_cpumask: maskHelper(cpumaskText),
  __get_dynamic_array: () => () => "",
  __get_rel_dynamic_array: () => () => "",
  __get_dynamic_array_len: () => () => "",
  __get_rel_dynamic_array_len: () => () => "",
  __get_sockaddr: () => () => "",
  __get_sockaddr_rel: () => () => "",
  __builtin_expect: (args, ctx) => {
    const v = num(args, 0, ctx);
    return (r) => v(r).toString();
  },
  jbd2_dev_to_name: jbd2DevToName,
  jiffies_to_msecs: jiffiesToMsecs,
  __le16_to_cpup: () => () => "",
  is_writable_pte: () => () => "",
};

export function compileHelper(name: string, args: Expr[], ctx: CompileCtx): StrFn | undefined {
  return HELPERS[name]?.(args, ctx);
}

export function isKnownFunction(name: string): boolean {
  return Object.hasOwn(HELPERS, name);
}
