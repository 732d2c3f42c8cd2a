// Buffered text output to a file descriptor (fd 1 for reports): writes are joined into one pending
// string that is UTF-8 encoded into a 1 MiB buffer a batch at a time, and that goes out in one
// write(2); EPIPE ends output quietly.
// Encoding per batch, not per line: one encode call per ~64 KiB costs far less than one per line.
// Source of truth: style guide §1 (I/O at the edge); POSIX write(2) partial writes, EAGAIN and EPIPE.

import { Buffer } from "node:buffer";
import { writeSync } from "node:fs";
import type { TextSink } from "../report/sink.ts";

const BUFFER_BYTES = 1 << 20;
/** Pending text (UTF-16 units) encoded at once; at most 3 bytes each, well inside the buffer. */
const BATCH_CHARS = 1 << 16;
/**
 * After this much output, run a full GC. A report makes garbage in proportion to its output while its
 * live heap stays flat; JSC lets the heap grow well past that between collections, so without this
 * the peak RSS grows with the input size.
 */
const GC_EVERY_BYTES = 64 << 20;

export class FdWriter implements TextSink {
  #buf = Buffer.allocUnsafe(BUFFER_BYTES);
  #len = 0;
  #pending = "";
  #sinceGc = 0;
  readonly #encoder = new TextEncoder();
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
    this.#sinceGc += this.#len;
    this.#len = 0;
    this.#writeAll(bytes);
    if (this.#sinceGc >= GC_EVERY_BYTES) {
      this.#sinceGc = 0;
      Bun.gc(true);
    }
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
    this.#len += this.#encoder.encodeInto(text, this.#buf.subarray(this.#len)).written;
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
