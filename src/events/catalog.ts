// EventCatalog: formats by id, each compiled once into closures that print a record's info text
// the way `trace-cmd report` (3.1.6, libtraceevent 1.7.1 + plugins) prints it after "name: ".
// Source of truth: libtraceevent src/event-parse.c tep_print_event() / print_event_info() /
// pretty_print(); trace-cmd tracecmd/trace-read.c (drops one trailing '\n').

import { bprintFmt, type BprintFields } from "./bprint.ts";
import { retarget, toFieldInfo, toRec, type FieldInfo, type Rec } from "./field-info.ts";
import { parseEventFormat, type EventFormat } from "./format.ts";
import { pluginEmitterFor, pluginFor, type PluginCtx, type PluginEmitter, type PluginHandler, type PluginState } from "./plugins/index.ts";
import { compilePrintFmt, type CompiledFmt } from "./print-fmt/compile.ts";
import type { CompileCtx } from "./print-fmt/context.ts";
import { parsePrintFmt } from "./print-fmt/parse.ts";
import { InfoMemo } from "./info-memo.ts";
import { encodeText, writeBytes, writeText, type ByteSink } from "../lib/byte-sink.ts";
import type { Emit } from "./print-fmt/emit.ts";
import { compileFailedListing } from "./raw-emit.ts";
import { compileRawFields, type RawPrinter } from "./raw.ts";
import { withLookupParts, type SymbolTable } from "./symbols.ts";

const NEWLINE = 10;
const FAILED_TO_PARSE = encodeText("[FAILED TO PARSE]");
/**
 * An event whose payloads rarely repeat (page faults at fresh addresses, syscalls with fresh
 * arguments) stops using the memo after this many lookups with fewer than one hit in MEMO_MIN_HIT_SHARE:
 * hashing and storing its payloads would only cost. Measured on `*:*` recordings: events hit 0-5% or 40-95%.
 */
const MEMO_TRIAL = 2048;
const MEMO_MIN_HIT_SHARE = 8;

export interface EventContext {
  littleEndian: boolean;
  longSize: number;
  symbols: SymbolTable;
  printk: Map<bigint, string>;
  /**
   * trace-cmd's tep_func_repeat_format for ftrace:func_repeats' last_ts: "%6.1000d" (µs, the
   * default), "%9.1d" (ns, report -t), "%d" (raw timestamps) or "%12d" (counter clocks).
   */
  funcRepeatTimeFormat?: string;
  /** report -n: events printed by their print fmt even where a plugin would print them. */
  noPlugin?: (event: EventFormat) => boolean;
}

/** What the record carries besides its payload, for the plugins that use it. */
export interface RecordInfo {
  /** CPU of the record (ftrace:function indentation is tracked per CPU). */
  cpu?: number;
  /** Timestamp of the record (ftrace:func_repeats prints the last repeat's time). */
  ts?: bigint;
}

interface Compiled {
  event: EventFormat;
  fmt?: CompiledFmt;
  /** Why the print fmt failed, as libtraceevent would mark it [FAILED TO PARSE]. */
  failure?: string;
  /** With a failed print fmt and no plugin: the field listing as bytes, when every field is a plain number. */
  failedListing?: Emit;
  raw: RawPrinter;
  plugin?: PluginHandler;
  /** The plugin's text written as bytes, for the few hot plugins that have that form. */
  pluginEmit?: PluginEmitter;
  /** Reused per record; cpu and ts are set before each call. */
  pluginCtx?: PluginCtx;
  fields: Map<string, FieldInfo>;
  bprint?: BprintFields;
  /** The pretty text never ends in a newline (a plain print fmt ending in other literal text). */
  noNewlineTail: boolean;
  /** The text may depend on the record's cpu and time or on earlier records (ftrace plugins). */
  usesRecord: boolean;
  /** The pretty text depends on the payload alone, so it may come from the memo (while it pays). */
  memoizable: boolean;
  /** Where the memo's key starts after common_type: past the common fields when the text reads none (0: the whole payload). */
  memoKeyFrom: number;
  /** Memo lookups and hits of this event, until MEMO_TRIAL lookups decide whether it keeps using the memo. */
  memoTries: number;
  memoHits: number;
}

export class EventCatalog {
  readonly #ctx: EventContext;
  readonly #byId = new Map<number, EventFormat>();
  readonly #compiled = new Map<EventFormat, Compiled>();
  /** Fast path for formatInfo(): compiled events by id (checked against the event object). */
  readonly #byIdCompiled: (Compiled | undefined)[] = [];
  /** Reused for every record: formatInfo() is synchronous and never re-entered. */
  readonly #rec: Rec;
  readonly #pluginState: PluginState = { funcStacks: new Map() };
  /** Per payload size, a buffer the payload is copied into for printing. */
  readonly #scratch: Uint8Array[] = [];
  /** Info text by payload, for events whose text depends on the payload alone. */
  #memo = new InfoMemo();

  constructor(ctx: EventContext) {
    this.#ctx = { ...ctx, symbols: withLookupParts(ctx.symbols) };
    this.#rec = toRec(new Uint8Array(0), ctx.littleEndian);
  }

  add(system: string, formatText: string): EventFormat {
    const event = parseEventFormat(formatText, system);
    if (this.#byId.has(event.id)) this.#memo = new InfoMemo(); // cached texts may be of the old format
    this.#byId.set(event.id, event);
    // The print fmt is compiled on first use: a trace.dat carries every format of the kernel.
    this.#compiled.delete(event);
    if (event.id < this.#byIdCompiled.length) this.#byIdCompiled[event.id] = undefined;
    return event;
  }

  /** Why the event's print fmt could not be compiled (its records print [FAILED TO PARSE]), if it failed. */
  parseFailure(event: EventFormat): string | undefined {
    return (this.#compiled.get(event) ?? this.#compileLate(event)).failure;
  }

  byId(id: number): EventFormat | undefined {
    return this.#byId.get(id);
  }

  /**
   * The info text of one record. Like trace-cmd, one trailing newline is dropped. (trace-cmd prints
   * with "%.*s", so text stops at a NUL; only plugin_kvm prints one, and it leaves it out.)
   */
  formatInfo(event: EventFormat, payload: Uint8Array, raw = false, rec?: RecordInfo): string {
    return this.#format(this.#compiledOf(event), payload, raw, rec);
  }

  /**
   * formatInfo() of the payload at bytes[offset..offset + size] (a page), written as UTF-8 at out.pos. Texts that depend on the payload alone come from the
   * memo when the same payload was seen before: a copy of bytes, no formatting.
   */
  writeRecord(out: ByteSink, event: EventFormat, bytes: Uint8Array, offset: number, size: number, raw: boolean, rec?: RecordInfo): void {
    const c = this.#compiledOf(event);
    const memoizable = !raw && c.memoizable;
    const memo = this.#memo;
    if (memoizable) {
      const slot = memo.find(bytes, offset, size, c.memoKeyFrom);
      if (c.memoTries < MEMO_TRIAL) this.#trial(c, slot >= 0);
      if (slot >= 0) return memo.copyOut(slot, out);
    }
    // A caller may hold its own run (the line printer holds the whole line); the info starts `lead`
    // bytes into it, which stays true when room() moves the run.
    const outer = out.held >= 0;
    const lead = outer ? out.pos - out.held : 0;
    if (!outer) out.held = out.pos;
    try {
      this.#setRecord(c, rec);
      if (!raw && c.failedListing) {
        writeBytes(out, FAILED_TO_PARSE);
        c.failedListing(this.#scratchOf(bytes, offset, size), out);
      } else if (raw || !c.fmt || c.bprint) writeText(out, this.#text(c, bytes.subarray(offset, offset + size), raw));
      else this.#writePretty(c, this.#scratchOf(bytes, offset, size), out);
      const start = out.held + lead;
      if (out.pos > start && out.buf[out.pos - 1] === NEWLINE) out.pos--; // trace-cmd drops one
      if (memoizable) memo.store(bytes, offset, size, out.buf, start, out.pos - start);
    } finally {
      if (!outer) out.held = -1; // a held run left behind would keep all later output in memory
    }
  }

  #trial(c: Compiled, hit: boolean): void {
    c.memoTries++;
    if (hit) c.memoHits++;
    if (c.memoTries === MEMO_TRIAL && c.memoHits * MEMO_MIN_HIT_SHARE < MEMO_TRIAL) c.memoizable = false;
  }

  #compiledOf(event: EventFormat): Compiled {
    const c = this.#byIdCompiled[event.id];
    return c !== undefined && c.event === event ? c : (this.#compiled.get(event) ?? this.#compileLate(event));
  }

  /**
   * The Rec pointed at a copy of the payload in a buffer of exactly its size: copying a few dozen
   * bytes costs less than making a view. (Raw printing reads past the payload as libtraceevent does,
   * so it keeps the view on the page.)
   */
  #scratchOf(bytes: Uint8Array, offset: number, size: number): Rec {
    const scratch = (this.#scratch[size] ??= new Uint8Array(size));
    for (let i = 0; i < size; i++) scratch[i] = bytes[offset + i]!;
    const r = this.#rec;
    retarget(r, scratch);
    return r;
  }

  #writePretty(c: Compiled, r: Rec, out: ByteSink): void {
    if (c.pluginEmit) {
      if (!c.pluginEmit(r, out)) return;
    } else if (c.plugin) {
      const done = c.plugin(r, c.pluginCtx!);
      writeText(out, done.text);
      if (!done.thenPrettyPrint) return;
    }
    c.fmt!.write(r, out);
  }

  #setRecord(c: Compiled, rec: RecordInfo | undefined): void {
    if (!c.pluginCtx) return;
    c.pluginCtx.cpu = rec?.cpu ?? 0;
    if (c.usesRecord) c.pluginCtx.ts = rec?.ts;
  }

  /** The info text before trace-cmd drops its trailing newline. */
  #text(c: Compiled, payload: Uint8Array, raw: boolean): string {
    const r = this.#rec;
    retarget(r, payload);
    return raw ? c.raw(r) : this.#pretty(c, r);
  }

  #format(c: Compiled, payload: Uint8Array, raw: boolean, rec: RecordInfo | undefined): string {
    this.#setRecord(c, rec);
    const text = this.#text(c, payload, raw);
    // Reading the last character of a freshly built (rope) string would flatten it: skip when known.
    if (c.noNewlineTail && !raw) return text;
    return text.charCodeAt(text.length - 1) === NEWLINE ? text.slice(0, -1) : text;
  }

  commonType(payload: Uint8Array): number {
    return this.#ctx.littleEndian ? payload[0]! | (payload[1]! << 8) : (payload[0]! << 8) | payload[1]!;
  }

  commonPid(payload: Uint8Array): number {
    return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getInt32(4, this.#ctx.littleEndian);
  }

  #pretty(c: Compiled, r: Rec): string {
    let prefix = "";
    if (c.plugin) {
      const out = c.plugin(r, c.pluginCtx!);
      if (!out.thenPrettyPrint) return out.text;
      prefix = out.text;
    }
    if (c.bprint) return prefix + this.#bprint(c, r);
    if (!c.fmt) return `${prefix}[FAILED TO PARSE]${c.raw(r)}`;
    return prefix + c.fmt.run(r);
  }

  #bprint(c: Compiled, r: Rec): string {
    const pf = bprintFmt(r, c.bprint!, this.#ctx.printk, this.#ctx.longSize);
    try {
      return compilePrintFmt(pf, this.#compileCtx(c.fields)).run(r);
    } catch {
      return `[FAILED TO PARSE]${c.raw(r)}`;
    }
  }

  #compileLate(event: EventFormat): Compiled {
    const c = this.#compile(event);
    this.#compiled.set(event, c);
    if (event.id >= 0 && event.id < 1 << 16) {
      // Dense up to the id (a write far past the end would make a sparse, hash-looked-up array).
      while (this.#byIdCompiled.length <= event.id) this.#byIdCompiled.push(undefined);
      this.#byIdCompiled[event.id] = c;
    }
    return c;
  }

  #compileCtx(fields: Map<string, FieldInfo>): CompileCtx {
    const { longSize, littleEndian, symbols, printk } = this.#ctx;
    return { fields, longSize, littleEndian, symbols, printk };
  }

  #compile(event: EventFormat): Compiled {
    const longSize = this.#ctx.longSize;
    const own = event.fields.map((f) => toFieldInfo(f, longSize));
    const fields = new Map<string, FieldInfo>();
    for (const f of [...event.commonFields.map((f) => toFieldInfo(f, longSize)), ...own]) fields.set(f.name, f);
    const file = { longSize, bigEndian: !this.#ctx.littleEndian };
    const plugin = this.#ctx.noPlugin?.(event) ? undefined : pluginFor(event.system, event.name, file);
    const pluginCtx: PluginCtx | undefined = plugin && {
      fields,
      symbols: this.#ctx.symbols,
      bigEndianFile: file.bigEndian,
      cpu: 0,
      repeatTimeFormat: this.#ctx.funcRepeatTimeFormat ?? "%6.1000d",
      state: this.#pluginState,
    };
    const bprint = event.system === "ftrace" && event.name === "bprint" ? bprintFields(fields) : undefined;
    let fmt: CompiledFmt | undefined;
    let failure: string | undefined;
    try {
      fmt = compilePrintFmt(parsePrintFmt(event.printFmt), this.#compileCtx(fields));
    } catch (e) {
      failure = e instanceof Error ? e.message : String(e);
    }
    const raw = compileRawFields(own, bprint ? undefined : fmt?.pieces, longSize);
    const noNewlineTail = !plugin && !bprint && fmt !== undefined && fmt.noNewlineTail;
    const usesRecord = event.system === "ftrace";
    const pluginEmit = plugin && pluginCtx ? pluginEmitterFor(plugin, pluginCtx) : undefined;
    const failedListing = !fmt && !plugin && !bprint ? compileFailedListing(own) : undefined;
    return { event, fmt, failure, failedListing, raw, plugin, pluginEmit, pluginCtx, fields, bprint, noNewlineTail, usesRecord, memoizable: !usesRecord, memoKeyFrom: memoKeyFrom(event), memoTries: 0, memoHits: 0 };
  }
}

/**
 * Where a payload's own fields start, when the memo may leave the common fields after common_type out
 * of its key: the print fmt names no common field (no plugin reads one), common_type is the first
 * two bytes, and the common fields end on a 4-byte boundary. Otherwise 0: the whole payload is the key.
 */
export function memoKeyFrom(event: EventFormat): number {
  if (/\bcommon_/.test(event.printFmt)) return 0;
  const type = event.commonFields.find((f) => f.name === "common_type");
  if (!type || type.offset !== 0 || type.size !== 2) return 0;
  const end = Math.max(...event.commonFields.map((f) => f.offset + f.size));
  return end > 2 && end % 4 === 0 ? end : 0;
}

function bprintFields(fields: Map<string, FieldInfo>): BprintFields | undefined {
  const ip = fields.get("ip");
  const fmt = fields.get("fmt");
  const buf = fields.get("buf");
  return ip && fmt && buf ? { ip, fmt, buf } : undefined;
}
