// Buffered byte output to a file descriptor (fd 1 for reports): producers write into one buffer,
// which goes out in one write(2) every 32 KiB; EPIPE ends output quietly.
// I/O at the edge; POSIX write(2) partial writes, EAGAIN and EPIPE.

import { writeSync } from "node:fs";
import { grown, putText, type ByteSink } from "../lib/byte-sink.ts";

/**
 * Output goes out in writes of about this size. A pipe holds 64 KiB: a write that fits returns at
 * once and the report goes on while the reader reads, where a 1 MiB write would wait until the
 * reader had taken most of it (measured: a `report | consumer` run took 1.5-2.4x its CPU time in
 * wall time with 1 MiB writes).
 */
const FLUSH_BYTES = 32 << 10;
const BUFFER_BYTES = 2 * FLUSH_BYTES;
/**
 * Peak memory control. A report makes garbage in proportion to its output while its live heap stays
 * flat, and JSC sizes its heap by the machine's RAM, letting it grow far past that between
 * collections. So a full GC runs at most every GC_MIN_OUTPUT_BYTES of output, and only while the
 * RSS is over budget: each costs tens of ms plus page faults to re-grow the heap. The RSS is read
 * once per RSS_CHECK_BYTES of output, not per write: reading it costs ~10 µs, and checking after
 * every 32 KiB write cost 3% of a 1M-event merge report.
 */
const RSS_BUDGET_BYTES = 88 << 20;
const GC_MIN_OUTPUT_BYTES = 16 << 20;
const RSS_CHECK_BYTES = 1 << 20;

export class FdWriter implements ByteSink {
  buf = new Uint8Array(BUFFER_BYTES);
  pos = 0;
  held = -1;
  #sinceGc = 0;
  #sinceCheck = 0;
  /** True once the reader has gone (EPIPE): later writes are dropped. */
  closed = false;

  constructor(readonly fd: number) {}

  room(n: number): boolean {
    if (this.pos + n <= FLUSH_BYTES) return !this.closed;
    // Bytes from `held` on stay in the buffer (moved to its start); only a held run longer than the
    // buffer grows it.
    const keep = this.held >= 0 ? this.held : this.pos;
    this.#writeOut(keep);
    if (this.pos + n > this.buf.length) this.buf = grown(this.buf, this.pos + n);
    return !this.closed;
  }

  write(text: string): boolean {
    if (!this.room(text.length * 3)) return false;
    putText(this, text);
    return true;
  }

  flush(): void {
    this.#writeOut(this.pos);
  }

  /** Writes buf[0, upTo) and moves the rest to the front. */
  #writeOut(upTo: number): void {
    if (upTo === 0) return;
    this.#writeAll(this.buf.subarray(0, upTo));
    this.buf.copyWithin(0, upTo, this.pos);
    this.pos -= upTo;
    if (this.held >= 0) this.held -= upTo;
    this.#sinceGc += upTo;
    this.#sinceCheck += upTo;
    if (this.#sinceGc >= GC_MIN_OUTPUT_BYTES && this.#sinceCheck >= RSS_CHECK_BYTES) this.#collectOverBudget();
  }

  #collectOverBudget(): void {
    this.#sinceCheck = 0;
    if (process.memoryUsage.rss() <= RSS_BUDGET_BYTES) return;
    this.#sinceGc = 0;
    Bun.gc(true);
    Bun.shrink(); // hands the freed pages back, so the RSS (what the budget counts) drops
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
