// A recording whose pages are written by threads we do not control (the movers of a guest's
// FIFOs): the bytes they report having written are checked against the size cap and the free-space
// floor, and the per-CPU files are trimmed at page boundaries afterwards, so the output file holds to
// the cap exactly while the disk may briefly take one report's worth (MOVED_REPORT_MS of pages) more.
// Nothing runs while no page moves: movers report only as bytes arrive, and the metadata spool
// checks as it is written.

import { statSync, truncateSync } from "node:fs";
import { belowFloor } from "./disk-space.ts";
import { formatBytes, RecordingBudget, type DiskLimits } from "./limits.ts";
import { MetadataSpool } from "./metadata-spool.ts";

/** How often a busy mover reports the bytes it wrote (what the watch checks). */
export const MOVED_REPORT_MS = 100;

export class DiskWatch {
  readonly #budget: RecordingBudget;
  /** Bytes each CPU's mover has written to its file, as last reported. */
  readonly #moved: number[];
  #stopped = false;
  #spool: MetadataSpool | undefined;
  #reason: string | undefined;
  #trip!: (reason: string) => void;
  /** Resolves with why the recording must end, once it must. */
  readonly tripped = new Promise<string>((resolve) => (this.#trip = resolve));

  constructor(
    private readonly cpuFiles: readonly string[],
    private readonly dir: string,
    private readonly limits: DiskLimits,
  ) {
    this.#budget = new RecordingBudget(limits.maxRecordingBytes);
    this.#moved = cpuFiles.map(() => 0);
    this.#check(); // a disk already below the floor ends the recording before it starts
  }

  /** A mover's report: `bytes` of this CPU's pages are in its file so far. */
  moved(cpu: number, bytes: number): void {
    this.#moved[cpu] = bytes;
    this.#check();
  }

  /** Why the recording had to end, or undefined. */
  get reason(): string | undefined {
    return this.#reason;
  }

  /** The recording's metadata spool: its bytes count against the same cap. */
  spool(path: string): MetadataSpool {
    this.#spool = new MetadataSpool(path, this.#budget, () => this.#check());
    return this.#spool;
  }

  /** No more checks (the recording is ending). */
  stop(): void {
    this.#stopped = true;
  }

  /** After the movers stopped: cuts the last pages off the biggest CPU files until the recording fits its cap. */
  trimToCap(pageSize: number): void {
    const sizes = this.cpuFiles.map(sizeOf);
    let over = (this.#spool?.size ?? 0) + sizes.reduce((a, b) => a + b, 0) - this.limits.maxRecordingBytes;
    while (over > 0) {
      const cpu = sizes.indexOf(Math.max(...sizes));
      const keep = Math.max(0, sizes[cpu]! - over);
      const cut = keep - (keep % pageSize);
      over -= sizes[cpu]! - cut;
      sizes[cpu] = cut;
      truncateSync(this.cpuFiles[cpu]!, cut);
    }
  }

  #check(): void {
    if (this.#reason !== undefined || this.#stopped) return;
    const used = (this.#spool?.size ?? 0) + this.#moved.reduce((sum, n) => sum + n, 0);
    const why =
      used > this.limits.maxRecordingBytes
        ? `recording reached its size cap (${formatBytes(this.limits.maxRecordingBytes)})`
        : belowFloor(this.dir, this.limits.minFreeBytes, used);
    if (why === undefined) return;
    this.#reason = why;
    this.stop();
    this.#trip(why);
  }
}

function sizeOf(file: string): number {
  return statSync(file, { throwIfNoEntry: false })?.size ?? 0;
}
