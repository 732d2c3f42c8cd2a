// A recording whose pages are written by threads we do not control (virt-server's FIFO movers):
// its per-CPU files are measured on a short timer against the size cap and the free-space floor,
// and trimmed at page boundaries afterwards, so the output file holds to the cap exactly while the
// disk may briefly take one interval's worth more.

import { statSync, truncateSync } from "node:fs";
import { belowFloor } from "./disk-space.ts";
import { formatBytes, RecordingBudget, type DiskLimits } from "./limits.ts";
import { MetadataSpool } from "./metadata-spool.ts";

const CHECK_MS = 100;

export class DiskWatch {
  readonly #budget: RecordingBudget;
  readonly #timer: ReturnType<typeof setInterval>;
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
    this.#timer = setInterval(() => this.#check(), CHECK_MS);
  }

  /** Why the recording had to end, or undefined. */
  get reason(): string | undefined {
    return this.#reason;
  }

  /** The recording's metadata spool: its bytes count against the same cap. */
  spool(path: string): MetadataSpool {
    this.#spool = new MetadataSpool(path, this.#budget, () => undefined);
    return this.#spool;
  }

  stop(): void {
    clearInterval(this.#timer);
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
    if (this.#reason !== undefined) return;
    const used = (this.#spool?.size ?? 0) + this.cpuFiles.reduce((sum, f) => sum + sizeOf(f), 0);
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
