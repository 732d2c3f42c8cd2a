// A kernel address's printed text as UTF-8 bytes, cached by address: call sites and function
// addresses repeat a lot in a trace, so most records copy cached bytes instead of looking the symbol
// up and building and encoding a string. The text itself comes from the caller's render(), so each
// printer (%pS, the kmem plugin's call site) keeps its own exact wording.

import { encodeText } from "../lib/byte-sink.ts";
import type { SymbolTable } from "./symbols.ts";

export type SymbolParts = { name: string; offset: number };
/** The text for an address (as 32-bit halves) and the symbol it falls in. */
export type RenderSymbol = (sym: SymbolParts, hi: number, lo: number) => string;

/** Cached for an address in no symbol (user-space addresses: many, rarely repeated; callers print them their own way). */
const NO_SYMBOL = new Uint8Array(0);

const SLOTS = 1024;

export class SymbolTextCache {
  readonly #hi = new Float64Array(SLOTS).fill(-1);
  readonly #lo = new Float64Array(SLOTS);
  readonly #text: Uint8Array[] = new Array<Uint8Array>(SLOTS);

  constructor(
    readonly symbols: SymbolTable,
    readonly render: RenderSymbol,
  ) {}

  /** The text of the address hi:lo (unsigned 32-bit halves), or undefined when no symbol holds it. */
  bytes(hi: number, lo: number): Uint8Array | undefined {
    const slot = (lo ^ (lo >>> 12) ^ hi) & (SLOTS - 1);
    let text: Uint8Array;
    if (this.#hi[slot] === hi && this.#lo[slot] === lo) text = this.#text[slot]!;
    else {
      const sym = this.symbols.lookupParts ? this.symbols.lookupParts(hi, lo) : undefined;
      text = sym ? encodeText(this.render(sym, hi, lo)) : NO_SYMBOL;
      this.#hi[slot] = hi;
      this.#lo[slot] = lo;
      this.#text[slot] = text;
    }
    return text === NO_SYMBOL ? undefined : text;
  }
}
