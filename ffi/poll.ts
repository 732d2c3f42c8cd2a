// poll(2) over a fixed set of fds, reusing one struct pollfd array (8 bytes each: int fd, short events, short revents).

import { ptr } from "bun:ffi";
import { EINTR, sysError } from "./errno.ts";
import { lastErrno, libc } from "./libc.ts";

export const POLLIN = 0x1;
export const POLLPRI = 0x2;
export const POLLOUT = 0x4;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;

export class PollSet {
  readonly #raw: Uint8Array;
  readonly #dv: DataView;

  constructor(readonly entries: readonly { fd: number; events: number }[]) {
    this.#raw = new Uint8Array(Math.max(1, entries.length) * 8);
    this.#dv = new DataView(this.#raw.buffer);
    entries.forEach((e, i) => {
      this.#dv.setInt32(i * 8, e.fd, true);
      this.#dv.setInt16(i * 8 + 4, e.events, true);
    });
  }

  /** Waits up to timeoutMs (-1: forever); returns the number of ready fds (0 on timeout or EINTR). */
  wait(timeoutMs: number): number {
    for (let i = 0; i < this.entries.length; i++) this.#dv.setInt16(i * 8 + 6, 0, true);
    const n = libc.poll(ptr(this.#raw), this.entries.length, timeoutMs);
    if (n >= 0) return n;
    if (lastErrno() === EINTR) return 0;
    throw sysError("poll");
  }

  revents(index: number): number {
    return this.#dv.getInt16(index * 8 + 6, true);
  }
}
