// Free space in an output folder (statfs), for the servers' free-space floor.

import { freeBytes } from "../recorder/disk-full.ts";
import { formatBytes } from "./limits.ts";


/**
 * Why the output folder is too full for recordings, or undefined. `reserved`: bytes that running
 * recordings will still write (each one's pages are copied once more into its output file).
 */
export function belowFloor(dir: string, minFree: number, reserved = 0): string | undefined {
  const free = freeBytes(dir) - reserved;
  if (free >= minFree) return undefined;
  const room = reserved > 0 ? `${formatBytes(Math.max(0, free))} free in ${dir} once running recordings are written` : `${formatBytes(free)} free in ${dir}`;
  return `only ${room}, below the --min-free floor of ${formatBytes(minFree)}`;
}
