// A direct-mapped cache of info text by record payload: a trace repeats the same records a lot
// (the same allocation call site and object, the same syscall and arguments), and for an event
// whose text depends only on its payload the text can be reused instead of formatted again.
// Source of truth: measured on *:* recordings, where about two thirds of the records repeat the
// payload of an earlier one.

const SLOTS = 2048;
/** Payloads longer than this are not cached: long records rarely repeat. */
const MAX_KEY_BYTES = 128;

export class InfoMemo {
  /** Each slot's key bytes, MAX_KEY_BYTES apart in one block (no allocation per entry). */
  readonly #keys = new Uint8Array(SLOTS * MAX_KEY_BYTES);
  /** Key length per slot; -1 when empty. */
  readonly #lens = new Int32Array(SLOTS).fill(-1);
  readonly #texts: string[] = new Array<string>(SLOTS).fill("");
  #slot = -1;

  /**
   * The text cached for exactly the n bytes at bytes[at], if any; remembers the slot for set().
   * Takes the page and a position, so a hit needs no view of the payload.
   */
  get(bytes: Uint8Array, at: number, n: number): string | undefined {
    if (n > MAX_KEY_BYTES) {
      this.#slot = -1;
      return undefined;
    }
    let h = 0x811c9dc5;
    for (let i = at; i < at + n; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    const slot = (h ^ (h >>> 15)) & (SLOTS - 1);
    this.#slot = slot;
    if (this.#lens[slot] !== n) return undefined;
    const keys = this.#keys;
    const k = slot * MAX_KEY_BYTES - at;
    for (let i = at; i < at + n; i++) if (keys[k + i] !== bytes[i]) return undefined;
    return this.#texts[slot];
  }

  /** Caches text for the payload of the last get() that missed. */
  set(payload: Uint8Array, text: string): void {
    const slot = this.#slot;
    if (slot < 0) return;
    this.#keys.set(payload, slot * MAX_KEY_BYTES);
    this.#lens[slot] = payload.length;
    // Reading a character resolves a rope into one flat string, so the entry holds no fibers and
    // each reuse copies one piece.
    text.charCodeAt(0);
    this.#texts[slot] = text;
  }
}
