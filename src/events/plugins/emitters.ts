// The byte-writing forms of the hottest plugin handlers (kmem call sites, sched_switch, sched_wakeup):
// the same text as kmem.ts and sched.ts, built for one event's field layout when it is the usual one
// (any other layout, and a comm with a byte >= 0x80, goes through the text handler).
// Source of truth: src/events/plugins/kmem.ts and sched.ts (libtraceevent 1.7.1 plugin_kmem.c,
// plugin_sched_switch.c).

import { encodeText, putBytes, writeText, type ByteSink } from "../../lib/byte-sink.ts";
import { readHi, readLo, readSmall, type FieldInfo, type Rec } from "../field-info.ts";
import { putDecimal, putUnsigned } from "../print-fmt/emit.ts";
import { SymbolTextCache } from "../symbol-text.ts";
import { kmemCallSite } from "./kmem.ts";
import { schedSwitch, schedWakeup, stateLetters } from "./sched.ts";
import type { PluginCtx, PluginEmitter, PluginHandler } from "./types.ts";

/** Room for the numbers and separators of a sched line besides its two comms. */
const SCHED_ROOM = 96;
/** "S", "D|W", ... by prev_state, made on first use (most traces show a handful). */
const STATE_TEXT: (Uint8Array | undefined)[] = new Array(256);

/** The emitter of a plugin handler for this event's fields, when it has one. */
export function pluginEmitterFor(handler: PluginHandler, ctx: PluginCtx): PluginEmitter | undefined {
  if (handler === kmemCallSite) return kmemEmitter(ctx);
  if (handler === schedSwitch) return switchEmitter(ctx, handler);
  if (handler === schedWakeup) return wakeupEmitter(ctx, handler);
  return undefined;
}

function kmemEmitter(ctx: PluginCtx): PluginEmitter | undefined {
  const f = ctx.fields.get("call_site");
  if (f?.size !== 8 || !ctx.symbols.lookupParts) return undefined;
  const at = f.offset;
  const cache = new SymbolTextCache(ctx.symbols, (sym) => `(${sym.name}+0x${(sym.offset >>> 0).toString(16)}) `);
  return (r, out) => {
    const text = cache.bytes(readHi(r, at), readLo(r, at));
    if (text) {
      out.room(text.length);
      putBytes(out, text);
    }
    return true; // a call site in no symbol prints nothing before the print fmt
  };
}

/** An own (non-common) field of 1, 2 or 4 bytes (what the handlers read as a number). */
function small(ctx: PluginCtx, name: string): FieldInfo | undefined {
  const f = ctx.fields.get(name);
  return f && !f.isCommon && (f.size === 1 || f.size === 2 || f.size === 4) ? f : undefined;
}

function comm(ctx: PluginCtx, name: string): FieldInfo | undefined {
  const f = ctx.fields.get(name);
  return f && f.size > 0 && f.size <= 64 ? f : undefined;
}

/** True when the C string at offset (at most max bytes) is ASCII, so its bytes are its text. */
function asciiComm(b: Uint8Array, offset: number, max: number): boolean {
  const end = Math.min(b.length, offset + max);
  for (let i = offset; i < end; i++) {
    const c = b[i]!;
    if (c === 0) return true;
    if (c >= 0x80) return false;
  }
  return true;
}

function putComm(out: ByteSink, b: Uint8Array, offset: number, max: number): void {
  const end = Math.min(b.length, offset + max);
  const buf = out.buf;
  let pos = out.pos;
  for (let i = offset; i < end; i++) {
    const c = b[i]!;
    if (c === 0) break;
    buf[pos++] = c;
  }
  out.pos = pos;
}

function textOf(handler: PluginHandler, ctx: PluginCtx): PluginEmitter {
  return (r, out) => {
    const done = handler(r, ctx);
    writeText(out, done.text);
    return done.thenPrettyPrint;
  };
}

function switchEmitter(ctx: PluginCtx, handler: PluginHandler): PluginEmitter | undefined {
  const prevPid = small(ctx, "prev_pid");
  const prevComm = comm(ctx, "prev_comm");
  const prevPrio = small(ctx, "prev_prio");
  const state = ctx.fields.get("prev_state");
  const nextPid = small(ctx, "next_pid");
  const nextComm = comm(ctx, "next_comm");
  const nextPrio = small(ctx, "next_prio");
  if (!prevPid || !prevComm || !prevPrio || !state || state.isCommon || !(state.size === 4 || state.size === 8) || !nextPid || !nextComm || !nextPrio) return undefined;
  const slow = textOf(handler, ctx);
  const stateAt = state.offset;
  const stateSize = state.size;
  return (r: Rec, out: ByteSink) => {
    const b = r.bytes;
    if (!asciiComm(b, prevComm.offset, prevComm.size) || !asciiComm(b, nextComm.offset, nextComm.size)) return slow(r, out);
    out.room(SCHED_ROOM + prevComm.size + nextComm.size);
    putTask(out, r, prevComm, prevPid, prevPrio);
    putAscii(out, "] ");
    const v = (stateSize === 8 ? readLo(r, stateAt) : readSmall(r, stateAt, 4)) | 0;
    const letters = v >= 0 && v < 256 ? (STATE_TEXT[v] ??= encodeText(stateLetters(v))) : encodeText(stateLetters(v));
    out.room(letters.length);
    putBytes(out, letters);
    putAscii(out, " ==> ");
    putTask(out, r, nextComm, nextPid, nextPrio);
    out.buf[out.pos++] = 93; // ']'
    return false;
  };
}

/** "comm:pid [prio" of one side of a sched_switch (prio signed, as the plugin prints it). */
function putTask(out: ByteSink, r: Rec, commF: FieldInfo, pidF: FieldInfo, prioF: FieldInfo): void {
  putComm(out, r.bytes, commF.offset, commF.size);
  out.buf[out.pos++] = 58; // ':'
  putUnsigned(out, readSmall(r, pidF.offset, pidF.size));
  putAscii(out, " [");
  putDecimal(out, readSmall(r, prioF.offset, prioF.size) | 0);
}

function wakeupEmitter(ctx: PluginCtx, handler: PluginHandler): PluginEmitter | undefined {
  const pid = small(ctx, "pid");
  const commF = comm(ctx, "comm");
  const prio = small(ctx, "prio");
  const success = ctx.fields.get("success");
  const cpu = small(ctx, "target_cpu");
  if (!pid || !commF || !prio || !cpu || (success && !small(ctx, "success"))) return undefined;
  const slow = textOf(handler, ctx);
  return (r: Rec, out: ByteSink) => {
    const b = r.bytes;
    if (!asciiComm(b, commF.offset, commF.size)) return slow(r, out);
    out.room(SCHED_ROOM + commF.size);
    putComm(out, b, commF.offset, commF.size);
    out.buf[out.pos++] = 58;
    putUnsigned(out, readSmall(r, pid.offset, pid.size));
    putAscii(out, " [");
    putUnsigned(out, readSmall(r, prio.offset, prio.size));
    out.buf[out.pos++] = 93;
    if (success) {
      putAscii(out, " success=");
      putUnsigned(out, readSmall(r, success.offset, success.size));
    }
    putAscii(out, " CPU:");
    const c = readSmall(r, cpu.offset, cpu.size);
    if (c < 100) out.buf[out.pos++] = 48;
    if (c < 10) out.buf[out.pos++] = 48;
    putUnsigned(out, c);
    return false;
  };
}

/** ASCII text at out.pos; the caller has made room. */
function putAscii(out: ByteSink, text: string): void {
  const buf = out.buf;
  let pos = out.pos;
  for (let i = 0; i < text.length; i++) buf[pos++] = text.charCodeAt(i);
  out.pos = pos;
}
