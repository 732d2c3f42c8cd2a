// The shape of an event-handler plugin: it gets the record and the event's fields and returns the
// text it printed, and whether libtraceevent then appends the normal print fmt output.
// Source of truth: libtraceevent tep_register_event_handler() / tep_event_handler_func (a non-zero
// return means "also pretty print").

import type { ByteSink } from "../../lib/byte-sink.ts";
import type { FieldInfo, Rec } from "../field-info.ts";
import type { SymbolTable } from "../symbols.ts";

/** State a plugin keeps across records of one report (plugin_function.c's per-CPU call stacks). */
export interface PluginState {
  funcStacks: Map<number, (string | undefined)[]>;
}

export interface PluginCtx {
  fields: Map<string, FieldInfo>;
  symbols: SymbolTable;
  bigEndianFile: boolean;
  /** The record's CPU, -1 when unknown. */
  cpu: number;
  /** The record's timestamp, when known. */
  ts?: bigint;
  /** trace-cmd's tep_func_repeat_format for func_repeats' last_ts. */
  repeatTimeFormat: string;
  state: PluginState;
}

export interface PluginOut {
  text: string;
  thenPrettyPrint: boolean;
}

export type PluginHandler = (r: Rec, ctx: PluginCtx) => PluginOut;

/**
 * A handler's text written straight into the output bytes (the plugins of the events a trace is
 * full of); returns whether the print fmt output follows. The caller holds the sink.
 */
export type PluginEmitter = (r: Rec, out: ByteSink) => boolean;
