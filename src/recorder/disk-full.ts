// What counts as "the disk is full": ENOSPC, or EDQUOT (the user's quota is), from any libc call;
// and how much room a folder's filesystem has left.

import { statfsSync } from "node:fs";
import { ENOSPC } from "../../ffi/errno.ts";
import { SysError } from "../errors.ts";

const EDQUOT = 122;

export function isDiskFull(e: unknown): boolean {
  return e instanceof SysError && (e.errno === ENOSPC || e.errno === EDQUOT);
}

/** Bytes an unprivileged writer may still use in the folder's filesystem (statfs f_bavail). */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}
