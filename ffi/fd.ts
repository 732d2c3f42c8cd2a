// File descriptors: open, close, read, write, pipes. EAGAIN comes back as "again" (flow, not failure).

import { ptr } from "bun:ffi";
import { EAGAIN, EINTR, sysError } from "./errno.ts";
import { lastErrno, libc } from "./libc.ts";
import { VtraceError } from "../src/errors.ts";

export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_CLOEXEC = 0o2000000;

const F_GETFL = 3;
const F_SETFL = 4;
const F_SETPIPE_SZ = 1031;
const F_GETPIPE_SZ = 1032;

export function openFd(path: string, flags: number, mode = 0o644): number {
  const fd = libc.open(path, flags | O_CLOEXEC, mode);
  if (fd < 0) throw sysError("open", path);
  return fd;
}

export function closeFd(fd: number): void {
  if (libc.close(fd) < 0) throw sysError("close", undefined, { fd });
}

/** Reads into buf; 0 means end of file (or, on trace_pipe_raw, nothing now). */
export function readFd(fd: number, buf: Uint8Array, length = buf.length): number | "again" {
  for (;;) {
    const n = Number(libc.read(fd, ptr(buf), length));
    if (n >= 0) return n;
    const e = lastErrno();
    if (e === EAGAIN) return "again";
    if (e !== EINTR) throw sysError("read", undefined, { fd });
  }
}

export function writeFd(fd: number, buf: Uint8Array): number | "again" {
  if (buf.length === 0) return 0;
  for (;;) {
    const n = Number(libc.write(fd, ptr(buf), buf.length));
    if (n >= 0) return n;
    const e = lastErrno();
    if (e === EAGAIN) return "again";
    if (e !== EINTR) throw sysError("write", undefined, { fd });
  }
}

/** Writes all of buf to a blocking fd. */
export function writeAll(fd: number, buf: Uint8Array): void {
  let at = 0;
  while (at < buf.length) {
    const n = writeFd(fd, buf.subarray(at));
    if (n === "again") throw sysError("write", undefined, { fd });
    at += n;
  }
}

export function preadFd(fd: number, buf: Uint8Array, offset: number): number {
  const n = Number(libc.pread(fd, ptr(buf), buf.length, offset));
  if (n < 0) throw sysError("pread", undefined, { fd, offset });
  return n;
}

/** Writes all of buf at `offset` (a patch behind the end of a file being written). */
export function pwriteAll(fd: number, buf: Uint8Array, offset: number): void {
  let at = 0;
  while (at < buf.length) {
    const n = Number(libc.pwrite(fd, ptr(buf, at), buf.length - at, offset + at));
    if (n < 0 && lastErrno() === EINTR) continue;
    if (n <= 0) throw sysError("pwrite", undefined, { fd, offset });
    at += n;
  }
}

export interface Pipe {
  readFd: number;
  writeFd: number;
}

export function makePipe(flags = O_NONBLOCK): Pipe {
  const fds = new Int32Array(2);
  if (libc.pipe2(ptr(fds), flags | O_CLOEXEC) < 0) throw sysError("pipe2");
  return { readFd: fds[0]!, writeFd: fds[1]! };
}

/** Grows a pipe to `bytes` (F_SETPIPE_SZ); returns the size the kernel granted. */
export function setPipeSize(fd: number, bytes: number): number {
  const r = libc.fcntl(fd, F_SETPIPE_SZ, bytes);
  if (r < 0) throw sysError("fcntl(F_SETPIPE_SZ)", undefined, { fd, bytes });
  return r;
}

export function pipeSize(fd: number): number {
  const r = libc.fcntl(fd, F_GETPIPE_SZ, 0);
  if (r < 0) throw sysError("fcntl(F_GETPIPE_SZ)", undefined, { fd });
  return r;
}

export function setNonBlocking(fd: number, on: boolean): void {
  const flags = libc.fcntl(fd, F_GETFL, 0);
  if (flags < 0) throw sysError("fcntl(F_GETFL)", undefined, { fd });
  const next = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
  if (libc.fcntl(fd, F_SETFL, next) < 0) throw sysError("fcntl(F_SETFL)", undefined, { fd });
}

export function truncateFd(fd: number, size: number): void {
  if (libc.ftruncate(fd, size) < 0) throw sysError("ftruncate", undefined, { fd, size });
}

/** Appends `length` bytes of fdIn (from its current offset) to fdOut inside the kernel. */
export function copyRange(fdIn: number, fdOut: number, length: number): void {
  let left = length;
  while (left > 0) {
    const n = Number(libc.copy_file_range(fdIn, null, fdOut, null, Math.min(left, 1 << 30), 0));
    if (n < 0) throw sysError("copy_file_range", undefined, { fdIn, fdOut });
    if (n === 0) throw new VtraceError(`copy_file_range: input ended ${left} bytes early`, { fdIn, left });
    left -= n;
  }
}
