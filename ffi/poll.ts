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

/** poll(2) over a set of fds that is rebuilt before each wait (a mover thread serving many streams). */
export class PollList {
  #raw = new Uint8Array(16 * 8);
  #dv = new DataView(this.#raw.buffer);
  #count = 0;

  get length(): number {
    return this.#count;
  }

  clear(): void {
    this.#count = 0;
  }

  /** Adds an fd; returns its index for revents(). */
  add(fd: number, events: number): number {
    if ((this.#count + 1) * 8 > this.#raw.length) {
      const bigger = new Uint8Array(this.#raw.length * 2);
      bigger.set(this.#raw);
      this.#raw = bigger;
      this.#dv = new DataView(bigger.buffer);
    }
    const at = this.#count * 8;
    this.#dv.setInt32(at, fd, true);
    this.#dv.setInt16(at + 4, events, true);
    this.#dv.setInt16(at + 6, 0, true);
    return this.#count++;
  }

  /** Waits up to timeoutMs (-1: forever); returns the number of ready fds (0 on timeout or EINTR). */
  wait(timeoutMs: number): number {
    const n = libc.poll(ptr(this.#raw), this.#count, timeoutMs);
    if (n >= 0) return n;
    if (lastErrno() === EINTR) return 0;
    throw sysError("poll");
  }

  revents(index: number): number {
    return this.#dv.getInt16(index * 8 + 6, true);
  }
}
