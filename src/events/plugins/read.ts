// Plugin field reads: tep_get_field_val()/tep_read_number_field() read unsigned, without sign
// extension, and only the event's own (non-common) fields; a missing field appends
// "<CANT FIND FIELD name>" when the plugin asks for errors.
// Source of truth: libtraceevent 1.7.1 src/event-parse.c get_field_val(), tep_print_num_field(),
// tep_print_func_field().

import { cString, readLo, readSmall, readU, type FieldInfo, type Rec } from "../field-info.ts";
import type { PluginCtx } from "./types.ts";

function ownField(ctx: PluginCtx, name: string): FieldInfo | undefined {
  const f = ctx.fields.get(name);
  return f && !f.isCommon ? f : undefined;
}

export function fieldVal(r: Rec, ctx: PluginCtx, name: string): bigint | undefined {
  const f = ownField(ctx, name);
  if (!f || !(f.size === 1 || f.size === 2 || f.size === 4 || f.size === 8)) return undefined;
  return readU(r, f.offset, f.size);
}

/** The text a plugin builds, with tep_get_field_val()'s error reporting. */
export class PluginText {
  s = "";
  constructor(
    readonly r: Rec,
    readonly ctx: PluginCtx,
  ) {}

  /** tep_get_field_val(..., err): the value, or undefined after appending the error text. */
  val(name: string, err: boolean): bigint | undefined {
    const f = ownField(this.ctx, name);
    if (!f) {
      if (err) this.s += `<CANT FIND FIELD ${name}>`;
      return undefined;
    }
    if (!(f.size === 1 || f.size === 2 || f.size === 4 || f.size === 8)) {
      if (err) this.s += ` ${name}=INVALID`;
      return undefined;
    }
    return readU(this.r, f.offset, f.size);
  }

  /**
   * The low 32 bits of the field as a number (what an `(int)` cast or "%d" keeps), without
   * bigint work; undefined after appending the error text, as val() does.
   */
  low32(name: string, err: boolean): number | undefined {
    const f = ownField(this.ctx, name);
    if (!f || !(f.size === 1 || f.size === 2 || f.size === 4 || f.size === 8)) {
      this.val(name, err);
      return undefined;
    }
    return f.size === 8 ? readLo(this.r, f.offset) : readSmall(this.r, f.offset, f.size);
  }

  /** "%lld" of the unsigned field value. */
  lld(name: string, err: boolean): string | undefined {
    const f = ownField(this.ctx, name);
    if (f && (f.size === 1 || f.size === 2 || f.size === 4)) return String(readSmall(this.r, f.offset, f.size));
    const v = this.val(name, err);
    return v === undefined ? undefined : lld(v);
  }

  /** tep_print_num_field(): formats the value, or `CAN'T FIND FIELD "name"`. */
  num(name: string, err: boolean, format: (v: bigint) => string): boolean {
    const v = fieldVal(this.r, this.ctx, name);
    if (v === undefined) {
      if (err) this.s += `CAN'T FIND FIELD "${name}"`;
      return false;
    }
    this.s += format(v);
    return true;
  }
}

/** "%.*s" of a char array field (tep_find_any_field: common fields count). */
export function commField(r: Rec, ctx: PluginCtx, name: string): string | undefined {
  const f = ctx.fields.get(name);
  return f ? cString(r.bytes, f.offset, f.size) : undefined;
}

/** tep_print_func_field(): "name/0x<start - value>" or "0x%08llx". */
export function funcField(r: Rec, ctx: PluginCtx, name: string): string | undefined {
  const v = fieldVal(r, ctx, name);
  if (v === undefined) return undefined;
  const sym = ctx.symbols.lookup(v);
  if (!sym) return `0x${v.toString(16).padStart(8, "0")}`;
  return `${sym.name}/0x${BigInt.asUintN(64, sym.start - v).toString(16)}`;
}

export const lld = (v: bigint) => BigInt.asIntN(64, v).toString();
export const int32 = (v: bigint) => BigInt.asIntN(32, v).toString();
export const hexll = (v: bigint) => v.toString(16);
