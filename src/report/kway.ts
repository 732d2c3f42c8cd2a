// k-way merge of already ordered per-(file, cpu) record streams, by timestamp with a stable tie-break
// on stream index (file order, then cpu), which is the order trace-cmd's linear minimum scan picks.
// Merge, never sort: trace-cmd 3.1.6 trace-read.c read_data_info().

export interface MergeStream {
  /** Timestamp of the current record; valid while the stream is in the heap. A number or a bigint:
   *  JS compares the two exactly, so streams may mix them. */
  ts: number | bigint;
}

/** A binary min-heap of stream indices keyed by (ts, index). */
export class StreamHeap<S extends MergeStream> {
  #heap: number[] = [];

  constructor(readonly streams: readonly S[]) {}

  get size(): number {
    return this.#heap.length;
  }

  push(index: number): void {
    const h = this.#heap;
    h.push(index);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  /** Index of the stream with the smallest (ts, index); undefined when empty. */
  peek(): number | undefined {
    return this.#heap[0];
  }

  /** Call after the top stream advanced: restores heap order. */
  replaceTop(): void {
    this.#siftDown(0);
  }

  /** Removes the top stream (it ended). */
  popTop(): void {
    const h = this.#heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    this.#siftDown(0);
  }

  #less(a: number, b: number): boolean {
    const ta = this.streams[a]!.ts;
    const tb = this.streams[b]!.ts;
    return ta < tb || (!(tb < ta) && a < b);
  }

  #siftDown(i: number): void {
    const h = this.#heap;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const m = r < n && this.#less(h[r]!, h[l]!) ? r : l;
      if (!this.#less(h[m]!, h[i]!)) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
