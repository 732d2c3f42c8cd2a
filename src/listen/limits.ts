// What a server lets one untrusted peer cost it: bytes on disk per recording, a free-space floor,
// and sizes as the options write them ("4G", "512M", "100k", plain bytes). Pure.

import { UsageError } from "../errors.ts";

export interface DiskLimits {
  /** Most bytes one recording may put on disk (metadata + every CPU's pages). */
  maxRecordingBytes: number;
  /** Below this much free space in the output folder, recordings are refused or closed. */
  minFreeBytes: number;
}

const UNITS: Record<string, number> = { "": 1, k: 1 << 10, m: 1 << 20, g: 1 << 30, t: 2 ** 40 };

/** "4G" → 4 GiB; a bad size is a UsageError naming the option. */
export function parseByteSize(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  const n = m ? Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!) : NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`invalid ${option} '${text}': expected a size such as 4G, 512M or 100k`);
  return n;
}

/** 1536 → "1.5 KiB", for log lines. */
export function formatBytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}

/** Counts one recording's bytes against its cap; once over, it stays over. */
export class RecordingBudget {
  #used = 0;
  #exceeded = false;

  constructor(readonly maxBytes: number) {}

  get used(): number {
    return this.#used;
  }

  get exceeded(): boolean {
    return this.#exceeded;
  }

  /** Takes `n` more bytes if they fit; false (and exceeded from now on) when they do not. */
  take(n: number): boolean {
    if (this.#exceeded || this.#used + n > this.maxBytes) {
      this.#exceeded = true;
      return false;
    }
    this.#used += n;
    return true;
  }
}

/** What `listen` and `virt-server` allow when not told: --max-size 4G, --min-free 1G. */
export const DEFAULT_DISK_LIMITS: DiskLimits = { maxRecordingBytes: 4 * 2 ** 30, minFreeBytes: 2 ** 30 };

/** --max-size and --min-free as cac gives them. */
export function diskLimitsOf(o: { maxSize?: unknown; minFree?: unknown }): DiskLimits {
  return {
    maxRecordingBytes: o.maxSize === undefined ? DEFAULT_DISK_LIMITS.maxRecordingBytes : parseByteSize(String(o.maxSize), "--max-size"),
    minFreeBytes: o.minFree === undefined ? DEFAULT_DISK_LIMITS.minFreeBytes : parseByteSize(String(o.minFree), "--min-free"),
  };
}

export const MAX_SIZE_HELP = "Most bytes one recording may write (4G, 512M, ...; default 4G)";
export const MIN_FREE_HELP = "Refuse new and close running recordings when the output folder has less free space than this, after writing out the running ones (default 1G)";
