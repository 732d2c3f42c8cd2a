// Synthetic record payloads for a format: plausible values per field (0, -1, small, random,
// kernel symbol and printk string addresses), valid __data_loc/__rel_loc descriptors and strings.
// Test-only helper for the libtraceevent differential check.
import type { EventFormat } from "../../../src/events/index.ts";

type Rnd = () => number;

function pick<T>(rnd: Rnd, xs: T[]): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}

function word(rnd: Rnd): string {
  const n = 1 + Math.floor(rnd() * 12);
  let s = "";
  for (let i = 0; i < n; i++) s += pick(rnd, [..."abcdefghijklmnopqrstuvwxyz0123456789_-/:. "]);
  return s;
}

function numberValue(rnd: Rnd, size: number, syms: bigint[], printk: bigint[]): bigint {
  const bits = BigInt(size * 8);
  const mask = (1n << bits) - 1n;
  const choices: (() => bigint)[] = [
    () => 0n,
    () => 1n,
    () => BigInt(Math.floor(rnd() * 300)),
    () => mask,
    () => BigInt(Math.floor(rnd() * 2 ** 32)),
    () => (BigInt(Math.floor(rnd() * 2 ** 32)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32)),
    () => BigInt(Math.floor(rnd() * 2 ** 24)),
  ];
  if (size === 8 && syms.length) choices.push(() => pick(rnd, syms) + BigInt(Math.floor(rnd() * 64)), () => pick(rnd, syms));
  if (size === 8 && printk.length) choices.push(() => pick(rnd, printk));
  return pick(rnd, choices)() & mask;
}

let bigEndian = false;

/** Byte order of the payloads synthPayloads() writes. */
export function setSynthBigEndian(be: boolean): void {
  bigEndian = be;
}

function put(b: Uint8Array, at: number, size: number, v: bigint): void {
  for (let i = 0; i < size && at + i < b.length; i++) {
    b[at + (bigEndian ? size - 1 - i : i)] = Number((v >> BigInt(8 * i)) & 0xffn);
  }
}

export function synthPayloads(ev: EventFormat, n: number, rnd: Rnd, syms: bigint[], printk: bigint[]): Uint8Array[] {
  const all = [...ev.commonFields, ...ev.fields];
  const fixedEnd = Math.max(8, ...all.map((f) => f.offset + f.size));
  const out: Uint8Array[] = [];
  for (let k = 0; k < n; k++) {
    const b = new Uint8Array(fixedEnd + 512);
    let end = fixedEnd;
    for (const f of all) {
      if (f.name === "common_type") put(b, 0, 2, BigInt(ev.id));
      else if (f.dynamic) {
        const isStr = /char|u8|s8/.test(f.type) && !/\bu8\b/.test(f.type) ? true : /char/.test(f.type);
        const bytes = isStr ? [...new TextEncoder().encode(word(rnd)), 0] : Array.from({ length: 8 * Math.floor(rnd() * 4) }, () => Math.floor(rnd() * 256));
        const at = end;
        b.set(bytes, at);
        end += bytes.length;
        const off = f.type.startsWith("__rel_loc") ? at - (f.offset + f.size) : at;
        if (f.size === 4) put(b, f.offset, 4, (BigInt(bytes.length) << 16n) | BigInt(off));
        else put(b, f.offset, f.size, BigInt(off));
      } else if (f.arrayLength > 0 || f.type.includes("[")) {
        if (/char/.test(f.type)) {
          const s = new TextEncoder().encode(word(rnd));
          const len = f.size || 16;
          b.set(s.subarray(0, Math.max(0, len - 1)), f.offset);
          if (f.size === 0) end = Math.max(end, f.offset + s.length + 1);
        } else {
          for (let i = 0; i < f.size; i++) b[f.offset + i] = rnd() < 0.5 ? 0 : Math.floor(rnd() * 256);
        }
      } else if (/len|count|size|nr|num/.test(f.name)) {
        // Lengths drive array printers; keep them inside the record as real ones are.
        put(b, f.offset, f.size, BigInt(Math.floor(rnd() * 17)));
      } else if (f.size === 1 || f.size === 2 || f.size === 4 || f.size === 8) {
        put(b, f.offset, f.size, numberValue(rnd, f.size, syms, printk));
      }
    }
    out.push(b.slice(0, (end + 3) & ~3));
  }
  return out;
}
