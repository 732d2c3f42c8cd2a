// hrtimer_expire_entry / hrtimer_start (plugin_hrtimer.so) and tlb_flush (plugin_tlb.so).
// Source of truth: libtraceevent 1.7.1 plugins/plugin_hrtimer.c, plugins/plugin_tlb.c.

import { funcField, lld, PluginText } from "./read.ts";
import type { PluginHandler } from "./types.ts";

const hex = (v: bigint) => `0x${v.toString(16)}`;

function timerAddr(t: PluginText): void {
  t.s += "hrtimer=";
  if (!t.num("timer", false, hex)) t.num("hrtimer", true, hex);
}

function func(t: PluginText): void {
  const f = funcField(t.r, t.ctx, "function");
  if (f !== undefined) t.s += ` function=${f}`;
}

export const hrtimerExpireEntry: PluginHandler = (r, ctx) => {
  const t = new PluginText(r, ctx);
  timerAddr(t);
  t.s += " now=";
  t.num("now", true, (v) => v.toString());
  func(t);
  return { text: t.s, thenPrettyPrint: false };
};

export const hrtimerStart: PluginHandler = (r, ctx) => {
  const t = new PluginText(r, ctx);
  timerAddr(t);
  func(t);
  t.s += " expires=";
  t.num("expires", true, (v) => v.toString());
  t.s += " softexpires=";
  t.num("softexpires", true, (v) => v.toString());
  return { text: t.s, thenPrettyPrint: false };
};

const TLB_REASONS = ["flush on task switch", "remote shootdown", "local shootdown", "local mm shootdown"];

export const tlbFlush: PluginHandler = (r, ctx) => {
  const t = new PluginText(r, ctx);
  t.s += "pages=";
  t.num("pages", true, lld);
  const reason = t.lld("reason", true);
  if (reason === undefined) return { text: t.s, thenPrettyPrint: true };
  t.s += ` reason=${TLB_REASONS[Number(reason)] ?? ""} (${reason})`;
  return { text: t.s, thenPrettyPrint: false };
};
