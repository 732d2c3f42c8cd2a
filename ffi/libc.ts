// The one place that binds libc. Every symbol vtrace calls is declared here, once.
// Types: ssize_t returns as FFIType.i64_fast, pointers as ptr.

import { dlopen, FFIType as T, read, type Pointer } from "bun:ffi";

const SYMBOLS = {
  open: { args: [T.cstring, T.i32, T.u32], returns: T.i32 },
  close: { args: [T.i32], returns: T.i32 },
  read: { args: [T.i32, T.ptr, T.u64], returns: T.i64_fast },
  write: { args: [T.i32, T.ptr, T.u64], returns: T.i64_fast },
  pread: { args: [T.i32, T.ptr, T.u64, T.i64], returns: T.i64_fast },
  pwrite: { args: [T.i32, T.ptr, T.u64, T.i64], returns: T.i64_fast },
  splice: { args: [T.i32, T.ptr, T.i32, T.ptr, T.u64, T.u32], returns: T.i64_fast },
  pipe2: { args: [T.ptr, T.i32], returns: T.i32 },
  fcntl: { args: [T.i32, T.i32, T.i64], returns: T.i32 },
  poll: { args: [T.ptr, T.u64, T.i32], returns: T.i32 },
  epoll_create1: { args: [T.i32], returns: T.i32 },
  epoll_ctl: { args: [T.i32, T.i32, T.i32, T.ptr], returns: T.i32 },
  epoll_wait: { args: [T.i32, T.ptr, T.i32, T.i32], returns: T.i32 },
  mkfifo: { args: [T.cstring, T.u32], returns: T.i32 },
  sched_setaffinity: { args: [T.i32, T.u64, T.ptr], returns: T.i32 },
  gettid: { args: [], returns: T.i32 },
  getpid: { args: [], returns: T.i32 },
  geteuid: { args: [], returns: T.u32 },
  socket: { args: [T.i32, T.i32, T.i32], returns: T.i32 },
  bind: { args: [T.i32, T.ptr, T.u32], returns: T.i32 },
  listen: { args: [T.i32, T.i32], returns: T.i32 },
  accept4: { args: [T.i32, T.ptr, T.ptr, T.i32], returns: T.i32 },
  connect: { args: [T.i32, T.ptr, T.u32], returns: T.i32 },
  getsockopt: { args: [T.i32, T.i32, T.i32, T.ptr, T.ptr], returns: T.i32 },
  setsockopt: { args: [T.i32, T.i32, T.i32, T.ptr, T.u32], returns: T.i32 },
  shutdown: { args: [T.i32, T.i32], returns: T.i32 },
  ftruncate: { args: [T.i32, T.i64], returns: T.i32 },
  copy_file_range: { args: [T.i32, T.ptr, T.i32, T.ptr, T.u64, T.u32], returns: T.i64_fast },
  mount: { args: [T.cstring, T.cstring, T.cstring, T.u64, T.ptr], returns: T.i32 },
  clock_gettime: { args: [T.i32, T.ptr], returns: T.i32 },
  __errno_location: { args: [], returns: T.ptr },
} as const;

export const libc = dlopen("libc.so.6", SYMBOLS).symbols;

/** errno of the calling thread; read it only right after a call returned -1. */
export function lastErrno(): number {
  return read.i32(libc.__errno_location() as Pointer, 0);
}
