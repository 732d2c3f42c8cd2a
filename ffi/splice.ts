// splice(2): moves pages between a pipe and a file or socket without copying through user space.

import { EAGAIN, EINTR, sysError } from "./errno.ts";
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
