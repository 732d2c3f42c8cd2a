// Buffered text output to a file descriptor (fd 1 for reports): each write is encoded straight into
// a 1 MiB buffer that goes out in one write(2); EPIPE ends output quietly.
// Source of truth: style guide §1 (I/O at the edge); POSIX write(2) partial writes, EAGAIN and EPIPE.

import { Buffer } from "node:buffer";
import { writeSync } from "node:fs";
import type { TextSink } from "../report/sink.ts";

const BUFFER_BYTES = 1 << 20;
/**
 * After this much output, run a full GC. A report makes garbage in proportion to its output while its
 * live heap stays flat; JSC lets the heap grow well past that between collections, so without this
 * the peak RSS grows with the input size.
 */
const GC_EVERY_BYTES = 64 << 20;

export class FdWriter implements TextSink {
  #buf = Buffer.allocUnsafe(BUFFER_BYTES);
  #len = 0;
  #sinceGc = 0;
  /** True once the reader has gone (EPIPE): later writes are dropped. */
  closed = false;

  constructor(readonly fd: number) {}

  write(text: string): boolean {
    if (this.closed) return false;
    const worst = text.length * 3;
    if (this.#len + worst > this.#buf.length) {
      this.flush();
      if (worst > this.#buf.length) {
        this.#writeAll(Buffer.from(text, "utf8"));
        return !this.closed;
      }
    }
    this.#len += this.#buf.write(text, this.#len, "utf8");
    return !this.closed;
  }

  flush(): void {
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
