// splice(2): moves pages between a pipe and a file or socket without copying through user space.

import { EAGAIN, EINTR, sysError } from "./errno.ts";
import { ptr } from "bun:ffi";
import { lastErrno, libc } from "./libc.ts";

export const SPLICE_F_MOVE = 1;
export const SPLICE_F_NONBLOCK = 2;
export const SPLICE_F_MORE = 4;

/** One splice call; "again" when nothing can move now (EAGAIN), 0 at end of input. */
export function spliceOnce(fdIn: number, fdOut: number, length: number, flags: number): number | "again" {
  for (;;) {
    const n = Number(libc.splice(fdIn, null, fdOut, null, length, flags));
    if (n >= 0) return n;
    const e = lastErrno();
    if (e === EAGAIN) return "again";
    if (e !== EINTR) throw sysError("splice", undefined, { fdIn, fdOut, length });
  }
}

/**
 * One copy_file_range(2) between explicit offsets (file positions untouched): moves file data inside
 * the kernel. Returns the bytes copied (0 at the end of the input).
 */
export function copyFileRangeAt(fdIn: number, offIn: number, fdOut: number, offOut: number, length: number): number {
  const offsets = new BigInt64Array([BigInt(offIn), BigInt(offOut)]);
  for (;;) {
    const n = Number(libc.copy_file_range(fdIn, ptr(offsets), fdOut, ptr(offsets, 8), length, 0));
    if (n >= 0) return n;
    if (lastErrno() !== EINTR) throw sysError("copy_file_range", undefined, { fdIn, fdOut, offIn, offOut, length });
  }
}
