// One CPU's records in file order: pages (cpu-pages.ts) → events (page-walker.ts), with lost-event counts.
// Source of truth: trace-cmd 3.1.6 trace-input.c tracecmd_read_data(); libtraceevent kbuffer-parse.c.

import type { PageLayout } from "../../ringbuf/page.ts";
import type { PageStream } from "./cpu-pages.ts";
import { addContext } from "./error-context.ts";
import { PageWalker } from "./page-walker.ts";

export class CpuRecords {
  readonly #walker: PageWalker;
  #loaded = false;

  constructor(
    readonly cpu: number,
    readonly pages: PageStream,
    layout: PageLayout,
    /** Names the stream in errors, e.g. "cpu1" or "buffer 'foo' cpu1". */
    readonly label: string,
  ) {
    this.#walker = new PageWalker(layout);
  }

  /** Current record's timestamp in trace-clock units. */
  get tsRaw(): bigint {
    return this.#walker.ts;
  }
  /** The timestamp as a double when exact, else as a bigint (mixed comparisons are exact in JS). */
  get tsKey(): number | bigint {
    return this.#walker.tsKey;
  }
  get commonType(): number {
    return this.#walker.commonType;
  }
  get commonPid(): number {
    return this.#walker.commonPid;
  }
  get page(): Uint8Array {
    return this.#walker.page;
  }
  get payloadOffset(): number {
    return this.#walker.offset;
  }
  get payloadSize(): number {
    return this.#walker.size;
  }
  /** Lost events before this record: 0 none, > 0 count, < 0 unknown. */
  get missed(): number {
    return this.#walker.missed;
  }
  get payload(): Uint8Array {
    const w = this.#walker;
    return w.page.subarray(w.offset, w.offset + w.size);
  }

  /** Advances to the next record; false at the end of the data. Errors name the page's file offset. */
  next(): boolean {
    try {
      return this.#next();
    } catch (e) {
      throw addContext(e, "stream", this.label, `${this.label}: page at offset ${this.pages.offset}`, { stage: "data", cpu: this.cpu });
    }
  }

  #next(): boolean {
    const w = this.#walker;
    if (this.#loaded && w.next()) return true;
    for (let page = this.pages.next(); page; page = this.pages.next()) {
      w.load(page);
      this.#loaded = true;
      if (w.next()) return true;
    }
    return false;
  }
}
