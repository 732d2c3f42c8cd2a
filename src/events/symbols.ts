// Kernel symbol lookup from /proc/kallsyms text, as libtraceevent resolves addresses.
// Source of truth: libtraceevent src/event-parse.c tep_parse_kallsyms() (skips 'A'/'a' symbols and
// names starting with '$'), func_map_init() (sort by address) and __find_func()/func_bcmp()
// (an address matches an entry when it equals it or lies before the next entry's address).

export interface SymbolTable {
  lookup(addr: bigint): { name: string; start: bigint; module?: string } | undefined;
  /** Optional fast path: the symbol name and the offset into it, for an address given as 32-bit halves. */
  lookupParts?(hi: number, lo: number): { name: string; offset: number } | undefined;
  /**
   * The address of the first symbol (in address order) with this name: libtraceevent's
   * test_for_symbol() gives a bare identifier in a print fmt (`vmemmap_base`) that value.
   */
  addressOf?(name: string): bigint | undefined;
  /**
   * Keeps only the names, in a blob of their own, and lets the rest of the kallsyms text go (about
   * half of it). A merge holds one table per file: the texts kept for their names cost a host + 2
   * guests report about 10 MB. One file's report skips it, as the copy costs ~8 ms while the JIT
   * is cold.
   */
  compact?(): void;
}

/** parseKallsyms() on text (tests, small tables); files go through decodeKallsyms() on the bytes. */
export function parseKallsyms(text: string): SymbolTable {
  return decodeKallsyms(new TextEncoder().encode(text));
}

/**
 * Scans /proc/kallsyms bytes by hand (it is megabytes, ~120,000 lines) into typed arrays: address as
 * two 32-bit halves, each name as a span of the text, and each module as an index into a short list.
 * No per-line string or bigint is made. compact() later keeps only the names (see SymbolTable).
 */
export function decodeKallsyms(bytes: Uint8Array): SymbolTable {
  const n = bytes.length;
  // One entry per line at most: counted first (indexOf), so the arrays hold no spare megabytes.
  const cap = countLines(bytes) + 1;
  const hi = new Uint32Array(cap);
  const lo = new Uint32Array(cap);
  const nameAt = new Int32Array(cap); // in `bytes` during the scan, in the names blob after
  const nameLen = new Uint16Array(cap);
  const moduleOf = new Uint16Array(cap); // 0: none, else 1 + index into modules
  const modules = new ModuleList(bytes);
  let nameBytes = 0;
  let count = 0;
  let pos = 0;
  // The next space and tab at or after the current name (n when none): the name ends at the first
  // of them or the newline. Found with indexOf (native), which a cold JIT runs far faster than a
  // byte loop; a tab is rare (module symbols), so its position is reused across many lines.
  let nextSpace = -1;
  let nextTab = -1;
  while (pos < n) {
    let h = 0;
    let l = 0;
    let p = pos;
    for (; p < n; p++) {
      const d = HEX_VALUE[bytes[p]!]!;
      if (d < 0) break;
      h = ((h << 4) | (l >>> 28)) >>> 0;
      l = ((l << 4) | d) >>> 0;
    }
    const digits = p - pos;
    let eol = -1;
    if (digits > 0 && digits <= 16 && bytes[p] === 32 && bytes[p + 2] === 32 && bytes[p + 1] !== 10) {
      const type = bytes[p + 1];
      const nameStart = p + 3;
      eol = lineEnd(bytes, nameStart);
      if (nextSpace < nameStart) nextSpace = nextIndex(bytes, 32, nameStart);
      if (nextTab < nameStart) nextTab = nextIndex(bytes, 9, nameStart);
      // A name is at most KSYM_NAME_LEN (512) bytes; a longer run is cut where a Uint16 ends.
      const nameEnd = Math.min(eol, nextSpace, nextTab, nameStart + 0xffff);
      // tep_parse_kallsyms() skips absolute symbols ('A'/'a') and ARM's '$' mapping symbols.
      if (nameEnd > nameStart && type !== 65 && type !== 97 && bytes[nameStart] !== 36) {
        hi[count] = h;
        lo[count] = l;
        nameAt[count] = nameStart;
        nameLen[count] = nameEnd - nameStart;
        nameBytes += nameEnd - nameStart;
        if (bytes[nameEnd] === 9 && bytes[nameEnd + 1] === 91) {
          let close = nameEnd + 2;
          while (close < n && bytes[close] !== 93) close++;
          moduleOf[count] = modules.indexOf(nameEnd + 2, close);
        }
        count++;
      }
    }
    pos = (eol >= 0 ? eol : lineEnd(bytes, p)) + 1;
  }
  // Trimmed copies, so the spare capacity (lines that were no symbol) is not kept.
  const columns = { nameAt: nameAt.slice(0, count), nameLen: nameLen.slice(0, count), moduleOf: moduleOf.slice(0, count) };
  return new SortedSymbols(bytes, nameBytes, modules.names, hi.slice(0, count), lo.slice(0, count), columns);
}

/** Copies each entry's name into one blob of `size` bytes and points nameAt into it. */
function gatherNames(bytes: Uint8Array, nameAt: Int32Array, nameLen: Uint16Array, size: number): Uint8Array {
  const names = new Uint8Array(size);
  let at = 0;
  for (let i = 0; i < nameAt.length; i++) {
    const from = nameAt[i]!;
    const end = from + nameLen[i]!;
    nameAt[i] = at;
    for (let k = from; k < end; k++) names[at++] = bytes[k]!;
  }
  return names;
}

/**
 * Module names ("[kvm]"'s kvm) met in a kallsyms text, each once; consecutive lines mostly share one,
 * so a span is compared with the previous one's bytes before anything is decoded.
 */
class ModuleList {
  readonly names: string[] = [];
  readonly #index = new Map<string, number>();
  #lastStart = -1;
  #lastEnd = -1;
  #last = 0;

  constructor(readonly bytes: Uint8Array) {}

  /** 1 + the module's index, or 0 once 65,535 modules are known (later ones are not named). */
  indexOf(start: number, end: number): number {
    if (this.#sameAsLast(start, end)) return this.#last;
    const name = utf8.decode(this.bytes.subarray(start, end));
    let index = this.#index.get(name);
    if (index === undefined && this.names.length < 0xffff) {
      this.names.push(name);
      this.#index.set(name, (index = this.names.length));
    }
    this.#lastStart = start;
    this.#lastEnd = end;
    this.#last = index ?? 0;
    return this.#last;
  }

  #sameAsLast(start: number, end: number): boolean {
    const len = end - start;
    if (this.#lastStart < 0 || len !== this.#lastEnd - this.#lastStart) return false;
    for (let k = 0; k < len; k++) if (this.bytes[start + k] !== this.bytes[this.#lastStart + k]) return false;
    return true;
  }
}

function countLines(bytes: Uint8Array): number {
  let lines = 0;
  for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1)) lines++;
  return lines;
}

/** Index of the next newline at or after `from`, or the length. */
function lineEnd(bytes: Uint8Array, from: number): number {
  return nextIndex(bytes, 10, from);
}

/** Index of the next `byte` at or after `from`, or the length. */
function nextIndex(bytes: Uint8Array, byte: number, from: number): number {
  const i = bytes.indexOf(byte, from);
  return i < 0 ? bytes.length : i;
}

/** Hex digit value by byte, -1 for other bytes. */
const HEX_VALUE: Int8Array = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let c = 0; c < 10; c++) t[48 + c] = c;
  for (let c = 0; c < 6; c++) t[97 + c] = t[65 + c] = 10 + c;
  return t;
})();

/**
 * Stable order of the entries by address (glibc's merge-sort qsort() is stable for this size), or
 * undefined when already sorted. An LSD radix sort on 16-bit digits: a guest's kallsyms can be
 * hundreds of sorted runs, and four linear passes (fewer: a digit all entries share is skipped) beat
 * log2(runs) merge passes of comparisons.
 */
function sortedOrder(hi: Uint32Array, lo: Uint32Array): Int32Array | undefined {
  const n = hi.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = hi[i - 1]! < hi[i]! || (hi[i - 1] === hi[i] && lo[i - 1]! <= lo[i]!);
  if (sorted) return undefined;
  let order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let spare = new Int32Array(n);
  const counts = new Int32Array(65536);
  for (const [words, shift] of [[lo, 0], [lo, 16], [hi, 0], [hi, 16]] as const) {
    if (radixPass(words, shift, order, spare, counts)) [order, spare] = [spare, order];
  }
  return order;
}

/** One stable counting pass on a 16-bit digit from `from` into `to`; false (nothing moved) when all entries share it. */
function radixPass(words: Uint32Array, shift: number, from: Int32Array, to: Int32Array, counts: Int32Array): boolean {
  const n = from.length;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[(words[i]! >>> shift) & 0xffff]!++;
  if (counts[(words[0]! >>> shift) & 0xffff] === n) return false;
  let at = 0;
  for (let d = 0; d < 65536; d++) {
    const c = counts[d]!;
    counts[d] = at;
    at += c;
  }
  for (let i = 0; i < n; i++) {
    const e = from[i]!;
    to[counts[(words[e]! >>> shift) & 0xffff]!++] = e;
  }
  return true;
}

/** Per entry, where its name lies in the names blob and its module (see decodeKallsyms()). */
interface NameColumns {
  nameAt: Int32Array;
  nameLen: Uint16Array;
  moduleOf: Uint16Array;
}

/**
 * Puts entry order[i] at position i for every i, moving entries along the permutation's cycles
 * instead of copying into new arrays (megabytes a merge of several files would hold at once).
 */
function permuteInPlace(order: Int32Array, hi: Uint32Array, lo: Uint32Array, c: NameColumns): void {
  const n = order.length;
  const placed = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (placed[i] || order[i] === i) continue;
    const [h, l, at, len, mod] = [hi[i]!, lo[i]!, c.nameAt[i]!, c.nameLen[i]!, c.moduleOf[i]!];
    for (let k = i; ; ) {
      placed[k] = 1;
      const j = order[k]!;
      const from = j === i ? -1 : j;
      hi[k] = from < 0 ? h : hi[from]!;
      lo[k] = from < 0 ? l : lo[from]!;
      c.nameAt[k] = from < 0 ? at : c.nameAt[from]!;
      c.nameLen[k] = from < 0 ? len : c.nameLen[from]!;
      c.moduleOf[k] = from < 0 ? mod : c.moduleOf[from]!;
      if (from < 0) break;
      k = from;
    }
  }
}

const utf8 = new TextDecoder("utf-8");

class SortedSymbols implements SymbolTable {
  /** Addresses as 32-bit halves, so the search compares numbers, not bigints. */
  readonly #hi: Uint32Array;
  readonly #lo: Uint32Array;
  /** The kallsyms text, or once compact() ran, a blob of the names alone. */
  #names: Uint8Array;
  /** The names' total size while #names is the whole text; 0 once compact. */
  #nameBytes: number;
  readonly #modules: string[];
  readonly #columns: NameColumns;
  /** Names decoded so far, by sorted index. */
  readonly #decoded = new Map<number, string>();

  constructor(text: Uint8Array, nameBytes: number, modules: string[], hi: Uint32Array, lo: Uint32Array, columns: NameColumns) {
    this.#names = text;
    this.#nameBytes = nameBytes;
    this.#modules = modules;
    this.#hi = hi;
    this.#lo = lo;
    this.#columns = columns;
    const order = sortedOrder(hi, lo);
    if (order) permuteInPlace(order, hi, lo, columns);
  }

  compact(): void {
    if (this.#nameBytes === 0) return;
    this.#names = gatherNames(this.#names, this.#columns.nameAt, this.#columns.nameLen, this.#nameBytes);
    this.#nameBytes = 0;
  }

  #name(i: number): string {
    let name = this.#decoded.get(i);
    if (name === undefined) {
      const s = this.#columns.nameAt[i]!;
      name = utf8.decode(this.#names.subarray(s, s + this.#columns.nameLen[i]!));
      this.#decoded.set(i, name);
    }
    return name;
  }

  #module(i: number): string | undefined {
    const m = this.#columns.moduleOf[i]!;
    return m === 0 ? undefined : this.#modules[m - 1];
  }

  lookup(addr: bigint): { name: string; start: bigint; module?: string } | undefined {
    const i = this.indexOf(Number((addr >> 32n) & 0xffffffffn), Number(addr & 0xffffffffn));
    if (i < 0) return undefined;
    const start = (BigInt(this.#hi[i]!) << 32n) | BigInt(this.#lo[i]!);
    const module = this.#module(i);
    return module === undefined ? { name: this.#name(i), start } : { name: this.#name(i), start, module };
  }

  /** addressOf() answers: a print fmt names the same few identifiers (HRTIMER_MODE_ABS, ...) again and again. */
  readonly #addresses = new Map<string, bigint | undefined>();

  addressOf(name: string): bigint | undefined {
    if (this.#addresses.has(name)) return this.#addresses.get(name);
    const addr = this.#scanFor(name);
    this.#addresses.set(name, addr);
    return addr;
  }

  #scanFor(name: string): bigint | undefined {
    const want = new TextEncoder().encode(name);
    const names = this.#names;
    const { nameAt, nameLen } = this.#columns;
    for (let i = 0; i < this.#hi.length; i++) {
      if (nameLen[i] !== want.length) continue;
      const start = nameAt[i]!;
      let k = 0;
      while (k < want.length && names[start + k] === want[k]) k++;
      if (k === want.length) return (BigInt(this.#hi[i]!) << 32n) | BigInt(this.#lo[i]!);
    }
    return undefined;
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
    return { name: this.#name(i), offset };
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
    addressOf: (name) => t.addressOf?.(name),
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
