// Buffered text output to a file descriptor (fd 1 for reports): writes are joined into one pending
// string, which is UTF-8 encoded into a 1 MiB buffer once it holds ~64 Ki characters (one encode
// per batch costs far less than one per line; Buffer.write beats TextEncoder.encodeInto here), and
// the buffer goes out in one write(2); EPIPE ends output quietly.
// Source of truth: style guide §1 (I/O at the edge); POSIX write(2) partial writes, EAGAIN and EPIPE.

import { Buffer } from "node:buffer";
import { writeSync } from "node:fs";
import type { TextSink } from "../report/sink.ts";

const BUFFER_BYTES = 1 << 20;
/** Pending text (UTF-16 units) encoded at once; at most 3 bytes each, well inside the buffer. */
const BATCH_CHARS = 1 << 16;
/**
 * Peak memory control. A report makes garbage in proportion to its output while its live heap stays
 * flat, and JSC sizes its heap by the machine's RAM, letting it grow far past that between
 * collections (to ~225 MB on a 1 GB input). So a full GC runs every GC_MIN_OUTPUT_BYTES of output
 * (~146 MB then), but only while the RSS is over budget: each costs tens of ms plus page faults to
 * re-grow the heap, and a run whose heap JSC already keeps small (BUN_JSC_forceRAMSize) needs none.
 */
const RSS_BUDGET_BYTES = 96 << 20;
const GC_MIN_OUTPUT_BYTES = 64 << 20;

export class FdWriter implements TextSink {
  #buf = Buffer.allocUnsafe(BUFFER_BYTES);
  #len = 0;
  #pending = "";
  #sinceGc = 0;
  /** True once the reader has gone (EPIPE): later writes are dropped. */
  closed = false;

  constructor(readonly fd: number) {}

  write(text: string): boolean {
    if (this.closed) return false;
    this.#pending += text;
    if (this.#pending.length >= BATCH_CHARS) this.#encodePending();
    return !this.closed;
  }

  flush(): void {
    this.#encodePending();
    if (this.#len === 0) return;
    const bytes = this.#buf.subarray(0, this.#len);
    this.#len = 0;
    this.#writeAll(bytes);
  }

  #encodePending(): void {
    const text = this.#pending;
    if (text.length === 0) return;
    this.#pending = "";
    const worst = text.length * 3;
    if (this.#len + worst > this.#buf.length) {
      this.flush();
      if (worst > this.#buf.length) {
        this.#writeAll(Buffer.from(text, "utf8"));
        return;
      }
    }
    const written = this.#buf.write(text, this.#len, "utf8");
    this.#len += written;
    this.#sinceGc += written;
    if (this.#sinceGc >= GC_MIN_OUTPUT_BYTES && process.memoryUsage.rss() > RSS_BUDGET_BYTES) {
      this.#sinceGc = 0;
      Bun.gc(true);
    }
  }

  #writeAll(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length && !this.closed) {
      try {
        at += writeSync(this.fd, bytes, at, bytes.length - at);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === "EAGAIN") Bun.sleepSync(1);
        else if (code === "EPIPE") this.closed = true;
        else throw e;
      }
    }
  }
}
