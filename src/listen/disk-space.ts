// Free space in an output folder (statfs), for the servers' free-space floor.

import { statfsSync } from "node:fs";

/** Bytes an unprivileged writer may still use in the folder's filesystem (statfs f_bavail). */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}
