// What compiling a print fmt needs to know about the event and the trace file.
// Source of truth: libtraceevent struct tep_handle (long_size, file_bigendian, func/printk maps).

import type { FieldInfo } from "../field-info.ts";
import type { SymbolTable } from "../symbols.ts";

export interface CompileCtx {
  fields: Map<string, FieldInfo>;
  longSize: number;
  littleEndian: boolean;
  symbols: SymbolTable;
  printk: Map<bigint, string>;
}

export function hex(v: bigint): string {
  return v.toString(16);
}
