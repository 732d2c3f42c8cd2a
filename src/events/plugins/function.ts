// ftrace:function, func_repeats, kernel_stack and raw_data handlers of plugin_function.so, which
// trace-cmd loads after registering its own "function" handler, so this one wins. Default options:
// parent off, indent on (per-CPU stack of seen callers), offset off.
// Source of truth: libtraceevent 1.7.1 plugins/plugin_function.c; print_event_time() for last_ts.

import { readU } from "../field-info.ts";
import { fieldVal, PluginText } from "./read.ts";
import type { PluginCtx, PluginHandler, PluginOut } from "./types.ts";

const STK_BLK = 10;

function addChild(stack: (string | undefined)[], child: string | undefined, pos: number): void {
  if (child === undefined) return;
  if (pos >= stack.length) stack.length += STK_BLK;
  stack[pos] = child;
}

/** add_and_get_index(): depth of `parent` in the CPU's stack, recording `child` below it. */
function indexFor(ctx: PluginCtx, parent: string, child: string | undefined): number {
  if (ctx.cpu < 0) return 0;
  let stack = ctx.state.funcStacks.get(ctx.cpu);
  if (!stack) ctx.state.funcStacks.set(ctx.cpu, (stack = []));
  for (let i = 0; i < stack.length && stack[i] !== undefined; i++) {
    if (stack[i] === parent) {
      addChild(stack, child, i + 1);
      return i;
    }
  }
  addChild(stack, parent, 0);
  addChild(stack, child, 1);
  return 0;
}

function functionText(t: PluginText): boolean {
  const ip = t.val("ip", true);
  if (ip === undefined) {
    t.s += "!";
    return false;
  }
  const func = t.ctx.symbols.lookup(ip)?.name;
  const pip = t.val("parent_ip", true);
  if (pip === undefined) {
    t.s += "!";
    return false;
  }
  const parent = t.ctx.symbols.lookup(pip)?.name;
  const index = parent !== undefined ? indexFor(t.ctx, parent, func) : 0;
  t.s += " ".repeat(index * 3) + (func ?? `0x${ip.toString(16)}`);
  return true;
}

export const ftraceFunction: PluginHandler = (r, ctx) => {
  const t = new PluginText(r, ctx);
  functionText(t);
  return { text: t.s, thenPrettyPrint: false };
};

/** print_event_time() with a "%P.Dd" format: ts/D, printed as "%5llu.%0Pllu" of 10^P, else "%12llu". */
export function eventTime(ts: bigint, format: string): string {
  const prec = /^%(\d+)/.exec(format)?.[1];
  const div = /\.(\d+)/.exec(format)?.[1];
  let time = BigInt.asUintN(64, ts);
  const d = div ? BigInt(div) : 0n;
  if (d) time = BigInt.asUintN(64, time + d / 2n) / d;
  const p = prec ? Number(prec) : 0;
  const p10 = 10n ** BigInt(p);
  if (p10 > 1n) return `${(time / p10).toString().padStart(5)}.${(time % p10).toString().padStart(p, "0")}`;
  return time.toString().padStart(12);
}

export const ftraceFuncRepeats: PluginHandler = (r, ctx) => {
  const t = new PluginText(r, ctx);
  functionText(t);
  const done = (): PluginOut => ({ text: t.s, thenPrettyPrint: false });
  const count = t.val("count", true);
  if (count === undefined) return (t.s += "!"), done();
  const top = t.val("top_delta_ts", true);
  if (top === undefined) return (t.s += "!"), done();
  const bottom = t.val("bottom_delta_ts", true);
  if (bottom === undefined) return (t.s += "!"), done();
  const last = (ctx.ts ?? 0n) - ((top << 32n) | bottom);
  t.s += ` (count: ${BigInt.asIntN(64, count)}  last_ts: ${eventTime(last, ctx.repeatTimeFormat)})`;
  return done();
};

/** One long at a time from `offset` to the end of the record. */
function* longsFrom(r: PluginText["r"], offset: number, longSize: number): Generator<{ at: number; v: bigint }> {
  for (let at = offset; at < r.bytes.length; at += longSize) yield { at, v: readU(r, at, longSize) };
}

export function ftraceKernelStack(longSize: number): PluginHandler {
  return (r, ctx) => {
    const f = ctx.fields.get("caller");
    if (!f) return { text: "<CANT FIND FIELD caller>", thenPrettyPrint: false };
    let s = "<stack trace >\n";
    for (const { v } of longsFrom(r, f.offset, longSize)) {
      if ((longSize === 8 && v === 0xffffffffffffffffn) || (v & 0xffffffffn) === 0xffffffffn) break;
      const sym = ctx.symbols.lookup(v);
      s += sym ? `=> ${sym.name} (${v.toString(16)})\n` : `=> ${v.toString(16)}\n`;
    }
    return { text: s, thenPrettyPrint: false };
  };
}

export function ftraceRawData(longSize: number): PluginHandler {
  return (r, ctx) => {
    const id = fieldVal(r, ctx, "id");
    if (id === undefined) return { text: "<CANT FIND FIELD id>!", thenPrettyPrint: false };
    let s = `# ${id.toString(16)}`;
    const f = ctx.fields.get("buf");
    if (!f) return { text: `${s}<CANT FIND FIELD buf>`, thenPrettyPrint: false };
    for (let at = f.offset; at < r.bytes.length; at += longSize) {
      const n = Math.min(8, r.bytes.length - at);
      for (let i = 0; i < n; i++) s += ` ${r.bytes[at + i]!.toString(16).padStart(2, "0")}`;
    }
    return { text: s, thenPrettyPrint: false };
  };
}
