// Kernel symbol lookup from /proc/kallsyms text, as libtraceevent resolves addresses.
// Source of truth: libtraceevent src/event-parse.c tep_parse_kallsyms() (skips 'A'/'a' symbols and
// names starting with '$'), func_map_init() (sort by address) and __find_func()/func_bcmp()
// (an address matches an entry when it equals it or lies before the next entry's address).

export interface SymbolTable {
  lookup(addr: bigint): { name: string; start: bigint; module?: string } | undefined;
  /** Optional fast path: the symbol name and the offset into it, for an address given as 32-bit halves. */
  lookupParts?(hi: number, lo: number): { name: string; offset: number } | undefined;
}

/**
 * Scans the text by hand (it is megabytes): address as two 32-bit halves, type letter, name, and
 * an optional "\t[module]".
 */
export function parseKallsyms(text: string): SymbolTable {
  const hi: number[] = [];
  const lo: number[] = [];
  const names: string[] = [];
  const modules: (string | undefined)[] = [];
  const n = text.length;
  let pos = 0;
  while (pos < n) {
    // Address: up to 16 hex digits, accumulated as two 32-bit halves.
    let h = 0;
    let l = 0;
    let p = pos;
    for (; p < n; p++) {
      const d = hexDigit(text.charCodeAt(p));
      if (d < 0) break;
      h = ((h << 4) | (l >>> 28)) >>> 0;
      l = ((l << 4) | d) >>> 0;
    }
    let eol = text.indexOf("\n", p);
    if (eol < 0) eol = n;
    const digits = p - pos;
    if (digits > 0 && digits <= 16 && text.charCodeAt(p) === 32 && text.charCodeAt(p + 2) === 32) {
      const type = text.charCodeAt(p + 1);
      const nameStart = p + 3;
      let nameEnd = nameStart;
      while (nameEnd < eol && text.charCodeAt(nameEnd) !== 9 && text.charCodeAt(nameEnd) !== 32) nameEnd++;
      // tep_parse_kallsyms() skips absolute symbols ('A'/'a') and ARM's '$' mapping symbols.
      if (nameEnd > nameStart && type !== 65 && type !== 97 && text.charCodeAt(nameStart) !== 36) {
        hi.push(h);
        lo.push(l);
        names.push(text.slice(nameStart, nameEnd));
        const hasModule = text.charCodeAt(nameEnd) === 9 && text.charCodeAt(nameEnd + 1) === 91;
        modules.push(hasModule ? text.slice(nameEnd + 2, text.indexOf("]", nameEnd)) : undefined);
      }
    }
    pos = eol + 1;
  }
  return new SortedSymbols(hi, lo, names, modules);
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

class SortedSymbols implements SymbolTable {
  /** Addresses as 32-bit halves, so the search compares numbers, not bigints. */
  readonly #hi: Uint32Array;
  readonly #lo: Uint32Array;
  readonly #names: string[];
  readonly #modules: (string | undefined)[];

  constructor(hi: number[], lo: number[], names: string[], modules: (string | undefined)[]) {
    // A stable sort by address, like glibc's merge-sort qsort() for this element size.
    // /proc/kallsyms is nearly sorted already, so check first.
    let sorted = true;
    for (let i = 1; i < hi.length && sorted; i++) sorted = hi[i - 1]! < hi[i]! || (hi[i - 1] === hi[i] && lo[i - 1]! <= lo[i]!);
    const order = Array.from(hi.keys());
    if (!sorted) order.sort((a, b) => hi[a]! - hi[b]! || lo[a]! - lo[b]! || a - b);
    this.#hi = Uint32Array.from(order, (i) => hi[i]!);
    this.#lo = Uint32Array.from(order, (i) => lo[i]!);
    this.#names = order.map((i) => names[i]!);
    this.#modules = order.map((i) => modules[i]);
  }

  lookup(addr: bigint): { name: string; start: bigint; module?: string } | undefined {
    const i = this.indexOf(Number((addr >> 32n) & 0xffffffffn), Number(addr & 0xffffffffn));
    if (i < 0) return undefined;
    const start = (BigInt(this.#hi[i]!) << 32n) | BigInt(this.#lo[i]!);
    const module = this.#modules[i];
    return module === undefined ? { name: this.#names[i]!, start } : { name: this.#names[i]!, start, module };
  }

  /** Direct-mapped cache of recent lookups: call sites repeat a lot in a trace. */
  readonly #cacheHi = new Float64Array(4096).fill(-1);
  readonly #cacheLo = new Float64Array(4096);
  readonly #cacheIdx = new Int32Array(4096);

  lookupParts(hi: number, lo: number): { name: string; offset: number } | undefined {
    const slot = (lo ^ (lo >>> 12) ^ hi) & 4095;
    let i: number;
    if (this.#cacheHi[slot] === hi && this.#cacheLo[slot] === lo) {
      i = this.#cacheIdx[slot]!;
    } else {
      i = this.indexOf(hi, lo);
      this.#cacheHi[slot] = hi;
      this.#cacheLo[slot] = lo;
      this.#cacheIdx[slot] = i;
    }
    if (i < 0) return undefined;
    const offset = (hi - this.#hi[i]!) * 4294967296 + (lo - this.#lo[i]!);
    return { name: this.#names[i]!, offset };
  }

  /** glibc bsearch() with libtraceevent's func_bcmp(); the entry after the last has address 0. */
  indexOf(hi: number, lo: number): number {
    const H = this.#hi;
    const L = this.#lo;
    const n = H.length;
    let l = 0;
    let u = n;
    while (l < u) {
      const idx = (l + u) >>> 1;
      const ch = H[idx]!;
      const cl = L[idx]!;
      if (hi === ch && lo === cl) return idx;
      const above = hi > ch || (hi === ch && lo > cl);
      if (above) {
        const nh = idx + 1 < n ? H[idx + 1]! : 0;
        const nl = idx + 1 < n ? L[idx + 1]! : 0;
        if (hi < nh || (hi === nh && lo < nl)) return idx;
        l = idx + 1;
      } else {
        u = idx;
      }
    }
    return -1;
  }
}

/**
 * Gives any SymbolTable a cached lookupParts(): tables made elsewhere (a lazy wrapper, say) only
 * have lookup(bigint); call sites repeat, so a small direct-mapped cache saves most bigint work.
 */
export function withLookupParts(t: SymbolTable): SymbolTable {
  if (t.lookupParts) return t;
  const cacheHi = new Float64Array(1024).fill(-1);
  const cacheLo = new Float64Array(1024);
  const cached: ({ name: string; offset: number } | undefined)[] = new Array(1024);
  return {
    lookup: (addr) => t.lookup(addr),
    lookupParts(hi, lo) {
      const slot = (lo ^ (lo >>> 10) ^ hi) & 1023;
      if (cacheHi[slot] === hi && cacheLo[slot] === lo) return cached[slot];
      const addr = (BigInt(hi) << 32n) | BigInt(lo);
      const sym = t.lookup(addr);
      const out = sym && { name: sym.name, offset: Number(addr - sym.start) };
      cacheHi[slot] = hi;
      cacheLo[slot] = lo;
      cached[slot] = out;
      return out;
    },
  };
}

/** printk_formats text (`0xffff... : "fmt"`) to address → format, quotes and a trailing `\n` removed. */
export function parsePrintkFormats(text: string): Map<bigint, string> {
  const map = new Map<bigint, string>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const addrText = line.slice(0, colon).trim();
    if (!/^(0x)?[0-9a-fA-F]+$/.test(addrText)) continue;
    let fmt = line.slice(colon + 2);
    if (fmt.startsWith('"')) fmt = fmt.slice(1);
    if (fmt.endsWith('"')) fmt = fmt.slice(0, -1);
    if (fmt.endsWith("\\n")) fmt = fmt.slice(0, -2);
    map.set(BigInt(addrText.startsWith("0x") ? addrText : `0x${addrText}`), fmt);
  }
  return map;
}
