// A direct-mapped cache of info text (as UTF-8 bytes) by record payload: a trace repeats the same
// records a lot (the same allocation call site and object, the same syscall and arguments), and for
// an event whose text depends only on its payload the bytes can be copied instead of formatted again.
// Source of truth: measured on *:* recordings, where about two thirds of the records repeat the
// payload of an earlier one (64% hits with 4096 slots on 277k records, 67% with 65536).

import type { ByteSink } from "../lib/byte-sink.ts";

const SLOTS = 4096;
/** Payloads longer than this are not cached: long records rarely repeat. */
const MAX_KEY_BYTES = 128;
/** Texts longer than this are not cached. */
const MAX_TEXT_BYTES = 192;

export class InfoMemo {
  /** Each slot's key bytes, MAX_KEY_BYTES apart in one block (no allocation per entry). */
  readonly #keys = new Uint8Array(SLOTS * MAX_KEY_BYTES);
  /** Key length per slot; -1 when empty. */
  readonly #keyLens = new Int32Array(SLOTS).fill(-1);
  readonly #texts = new Uint8Array(SLOTS * MAX_TEXT_BYTES);
  readonly #textLens = new Int32Array(SLOTS);
  #slot = -1;

  /**
   * The slot holding text for exactly the n bytes at bytes[at], or -1; remembers the slot for
   * store(). Takes the page and a position, so a lookup needs no view of the payload.
   */
  find(bytes: Uint8Array, at: number, n: number): number {
    if (n > MAX_KEY_BYTES) {
      this.#slot = -1;
      return -1;
    }
    let h = 0x811c9dc5;
    for (let i = at; i < at + n; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    const slot = (h ^ (h >>> 15)) & (SLOTS - 1);
    this.#slot = slot;
    if (this.#keyLens[slot] !== n) return -1;
    const keys = this.#keys;
    const k = slot * MAX_KEY_BYTES - at;
    for (let i = at; i < at + n; i++) if (keys[k + i] !== bytes[i]) return -1;
    return slot;
  }

  /** Copies a found slot's text to out.pos. */
  copyOut(slot: number, out: ByteSink): void {
    const n = this.#textLens[slot]!;
    out.room(n);
    const buf = out.buf;
    const texts = this.#texts;
    let pos = out.pos;
    for (let i = slot * MAX_TEXT_BYTES, end = i + n; i < end; i++) buf[pos++] = texts[i]!;
    out.pos = pos;
  }

  /** Caches text[textAt..textAt + textLen] for the payload bytes[at..at + n] of the last find() that missed. */
  store(bytes: Uint8Array, at: number, n: number, text: Uint8Array, textAt: number, textLen: number): void {
    const slot = this.#slot;
    if (slot < 0 || textLen > MAX_TEXT_BYTES) return;
    // Loops, not set(subarray()): a view costs more than copying a few dozen bytes.
    const keys = this.#keys;
    const k = slot * MAX_KEY_BYTES - at;
    for (let i = at; i < at + n; i++) keys[k + i] = bytes[i]!;
    this.#keyLens[slot] = n;
    const texts = this.#texts;
    const t = slot * MAX_TEXT_BYTES - textAt;
    for (let i = textAt; i < textAt + textLen; i++) texts[t + i] = text[i]!;
    this.#textLens[slot] = textLen;
  }

  /** The cached text of a slot, decoded (tests). */
  textOf(slot: number): string {
    return new TextDecoder().decode(this.#texts.subarray(slot * MAX_TEXT_BYTES, slot * MAX_TEXT_BYTES + this.#textLens[slot]!));
  }
}
