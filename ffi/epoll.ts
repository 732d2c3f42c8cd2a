// epoll(7), edge-triggered: one thread sleeps in epoll_wait() while another adds and removes fds
// (epoll_ctl is safe to call while a wait is in progress). Edge-triggered because the handlers
// read and write until EAGAIN, and because a virtio-serial port whose host side is closed reports
// HUP for as long as it stays closed: level-triggered, that would wake the waiter in a loop.

import { ptr } from "bun:ffi";
import { EBADF, EINTR, ENOENT, sysError } from "./errno.ts";
import { lastErrno, libc } from "./libc.ts";

export const EPOLLIN = 0x1;
export const EPOLLOUT = 0x4;
export const EPOLLERR = 0x8;
export const EPOLLHUP = 0x10;
export const EPOLLRDHUP = 0x2000;
export const EPOLLET = 0x80000000;

const EPOLL_CLOEXEC = 0o2000000;
const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_DEL = 2;
// struct epoll_event is packed on x86-64 (u32 events, u64 data = 12 bytes), naturally aligned elsewhere.
const EVENT_SIZE = process.arch === "x64" ? 12 : 16;
const DATA_OFFSET = process.arch === "x64" ? 4 : 8;

export function epollCreate(): number {
  const fd = libc.epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) throw sysError("epoll_create1");
  return fd;
}

/** Watches fd for events (EPOLLET is added); the fd itself comes back as the event's data. */
export function epollAdd(epfd: number, fd: number, events: number): void {
  const ev = new Uint8Array(EVENT_SIZE);
  const dv = new DataView(ev.buffer);
  dv.setUint32(0, (events | EPOLLET) >>> 0, true);
  dv.setInt32(DATA_OFFSET, fd, true);
  if (libc.epoll_ctl(epfd, EPOLL_CTL_ADD, fd, ptr(ev)) < 0) throw sysError("epoll_ctl", undefined, { fd });
}

/** Stops watching fd; an fd already closed (so already gone from the set) is fine. */
export function epollRemove(epfd: number, fd: number): void {
  const ev = new Uint8Array(EVENT_SIZE);
  if (libc.epoll_ctl(epfd, EPOLL_CTL_DEL, fd, ptr(ev)) < 0 && ![ENOENT, EBADF].includes(lastErrno())) {
    throw sysError("epoll_ctl", undefined, { fd });
  }
}

export interface EpollEvent {
  fd: number;
  events: number;
}

/** A reusable buffer for epoll_wait results. */
export class EpollWaiter {
  readonly #raw: Uint8Array;
  readonly #dv: DataView;

  constructor(
    readonly epfd: number,
    readonly max = 64,
  ) {
    this.#raw = new Uint8Array(max * EVENT_SIZE);
    this.#dv = new DataView(this.#raw.buffer);
  }

  /** Sleeps until events arrive or timeoutMs passes (-1: no limit); [] on timeout or EINTR. */
  wait(timeoutMs: number): EpollEvent[] {
    const n = libc.epoll_wait(this.epfd, ptr(this.#raw), this.max, timeoutMs);
    if (n < 0) {
      if (lastErrno() === EINTR) return [];
      throw sysError("epoll_wait");
    }
    const out: EpollEvent[] = [];
    for (let i = 0; i < n; i++) {
      out.push({ events: this.#dv.getUint32(i * EVENT_SIZE, true), fd: this.#dv.getInt32(i * EVENT_SIZE + DATA_OFFSET, true) });
    }
    return out;
  }
}
