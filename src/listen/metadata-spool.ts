// A peer's metadata on its way to disk: appended to a temporary file as it arrives, so memory
// stays small whatever the peer sends, and read back only to write the finished trace.

import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { formatBytes, type RecordingBudget } from "./limits.ts";
import { ProtocolError } from "../errors.ts";

/**
 * Every payload a peer sends is garbage once written; JSC sizes its heap by the machine's RAM, so
 * under a flood the garbage grows the heap long before a collection. A hint every so many bytes
 * spooled (by all peers together) keeps the peak near what is live.
 */
const COLLECT_EVERY_BYTES = 16 << 20;
let spooledSinceCollect = 0;

function countGarbage(n: number): void {
  spooledSinceCollect += n;
  if (spooledSinceCollect < COLLECT_EVERY_BYTES) return;
  spooledSinceCollect = 0;
  Bun.gc(true);
}

export class MetadataSpool {
  readonly #fd: number;
  #size = 0;
  #open = true;

  constructor(
    readonly path: string,
    private readonly budget: RecordingBudget,
    private readonly wrote: (n: number) => void,
  ) {
    this.#fd = openSync(path, "w", 0o600);
  }

  get size(): number {
    return this.#size;
  }

  /** Appends; over the recording's budget it throws instead. */
  append(data: Uint8Array): void {
    if (!this.budget.take(data.length)) throw new ProtocolError(`recording reached its size cap (${formatBytes(this.budget.maxBytes)})`);
    for (let at = 0; at < data.length; ) at += writeSync(this.#fd, data, at, data.length - at);
    this.#size += data.length;
    this.wrote(data.length);
    countGarbage(data.length);
  }

  /** The whole metadata, for writing the output file (the spool stays until remove()). */
  read(): Uint8Array {
    this.#close();
    return new Uint8Array(readFileSync(this.path));
  }

  remove(): void {
    this.#close();
    try {
      unlinkSync(this.path);
    } catch {
      // gone
    }
  }

  #close(): void {
    if (this.#open) closeSync(this.#fd);
    this.#open = false;
  }
}
