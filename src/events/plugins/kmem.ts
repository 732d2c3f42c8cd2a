// kmalloc / kfree / kmem_cache_* handlers of plugin_kmem.so: "(func+0xoff) " then the print fmt.
// Source of truth: libtraceevent 1.7.1 plugins/plugin_kmem.c call_site_handler().

import { readHi, readLo } from "../field-info.ts";
import { fieldVal } from "./read.ts";
import type { PluginHandler } from "./types.ts";

export const kmemCallSite: PluginHandler = (r, ctx) => {
  const f = ctx.fields.get("call_site");
  if (f?.size === 8 && ctx.symbols.lookupParts) {
    const sym = ctx.symbols.lookupParts(readHi(r, f.offset), readLo(r, f.offset));
    if (!sym) return { text: "", thenPrettyPrint: true };
    return { text: `(${sym.name}+0x${(sym.offset >>> 0).toString(16)}) `, thenPrettyPrint: true };
  }
  const v = fieldVal(r, ctx, "call_site");
  const sym = v === undefined ? undefined : ctx.symbols.lookup(v);
  if (v === undefined || !sym) return { text: "", thenPrettyPrint: true };
  const off = BigInt.asIntN(32, v - sym.start);
  const hex = BigInt.asUintN(32, off).toString(16);
  return { text: `(${sym.name}+0x${hex}) `, thenPrettyPrint: true };
};
