// sched_switch / sched_wakeup / sched_wakeup_new handlers of plugin_sched_switch.so.
// Source of truth: libtraceevent 1.7.1 plugins/plugin_sched_switch.c (state letters "SDTtZXxW",
// "R" when none; sched_waking is not handled and prints its print fmt). A missing pid field
// prints "!" and returns 1, so the print fmt output follows.

import { commField, PluginText } from "./read.ts";
import type { PluginHandler, PluginOut } from "./types.ts";

const STATES = "SDTtZXxW";

export function stateLetters(v: number): string {
  let s = "";
  for (let i = 0; i < STATES.length; i++) if (v & (1 << i)) s += s ? `|${STATES[i]}` : STATES[i];
  return s || "R";
}

const bang = (t: PluginText): PluginOut => ({ text: `${t.s}!`, thenPrettyPrint: true });

export const schedSwitch: PluginHandler = (r, ctx) => {
  const t = new PluginText(r, ctx);
  const prevPid = t.lld("prev_pid", true);
  if (prevPid === undefined) return bang(t);
  const prevComm = commField(r, ctx, "prev_comm");
  if (prevComm !== undefined) t.s += `${prevComm}:`;
  t.s += `${prevPid} `;
  const prevPrio = t.low32("prev_prio", true);
  if (prevPrio !== undefined) t.s += `[${prevPrio | 0}] `;
  const state = t.low32("prev_state", true);
  if (state !== undefined) t.s += stateLetters(state | 0);
  t.s += " ==> ";
  const nextPid = t.lld("next_pid", true);
  if (nextPid === undefined) return bang(t);
  const nextComm = commField(r, ctx, "next_comm");
  if (nextComm !== undefined) t.s += `${nextComm}:`;
  t.s += nextPid;
  const nextPrio = t.low32("next_prio", true);
  if (nextPrio !== undefined) t.s += ` [${nextPrio | 0}]`;
  return { text: t.s, thenPrettyPrint: false };
};

export const schedWakeup: PluginHandler = (r, ctx) => {
  const t = new PluginText(r, ctx);
  const pid = t.lld("pid", true);
  if (pid === undefined) return bang(t);
  const comm = commField(r, ctx, "comm");
  if (comm !== undefined) t.s += `${comm}:`;
  t.s += pid;
  const prio = t.lld("prio", true);
  if (prio !== undefined) t.s += ` [${prio}]`;
  const success = t.lld("success", false);
  if (success !== undefined) t.s += ` success=${success}`;
  const cpu = t.val("target_cpu", false);
  if (cpu !== undefined) t.s += ` CPU:${cpu.toString().padStart(3, "0")}`;
  return { text: t.s, thenPrettyPrint: false };
};
