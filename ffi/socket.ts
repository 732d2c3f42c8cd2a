// Sockets through libc, for the control channels (AF_UNIX) and network data ports (AF_INET).

import { ptr } from "bun:ffi";
import { EAGAIN, EINPROGRESS, sysError } from "./errno.ts";
import { lastErrno, libc } from "./libc.ts";

export const AF_UNIX = 1;
export const AF_INET = 2;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const SO_PEERCRED = 17;

/** sockaddr_un: u16 family + 108 path bytes. */
function unixAddress(path: string): Uint8Array {
  const bytes = new TextEncoder().encode(path);
  if (bytes.length >= 108) throw new RangeError(`unix socket path is too long (${bytes.length} bytes): '${path}'`);
  const addr = new Uint8Array(110);
  new DataView(addr.buffer).setUint16(0, AF_UNIX, true);
  addr.set(bytes, 2);
  return addr;
}

export function unixListen(path: string, backlog = 16): number {
  const fd = libc.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw sysError("socket");
  const addr = unixAddress(path);
  if (libc.bind(fd, ptr(addr), addr.length) < 0) {
    const err = sysError("bind", path);
    libc.close(fd);
    throw err;
  }
  if (libc.listen(fd, backlog) < 0) throw sysError("listen", path);
  return fd;
}

export function unixConnect(path: string): number {
  const fd = libc.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw sysError("socket");
  const addr = unixAddress(path);
  if (libc.connect(fd, ptr(addr), addr.length) < 0) {
    const err = sysError("connect", path);
    libc.close(fd);
    throw err;
  }
  return fd;
}

/** Accepts one pending connection of a non-blocking listener (the new socket is non-blocking too), or "again". */
export function acceptConnection(listenFd: number): number | "again" {
  const fd = libc.accept4(listenFd, null, null, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd >= 0) return fd;
  const e = lastErrno();
  if (e === EAGAIN || e === EINPROGRESS) return "again";
  throw sysError("accept4");
}

export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

export function peerCredentials(fd: number): PeerCredentials {
  const cred = new Int32Array(3);
  const len = new Uint32Array([12]);
  if (libc.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ptr(cred), ptr(len)) < 0) throw sysError("getsockopt(SO_PEERCRED)");
  return { pid: cred[0]!, uid: cred[1]!, gid: cred[2]! };
}

export function setReuseAddress(fd: number): void {
  const one = new Int32Array([1]);
  if (libc.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, ptr(one), 4) < 0) throw sysError("setsockopt(SO_REUSEADDR)");
}

/** sockaddr_in for a dotted IPv4 address. */
function inetAddress(ip: string, port: number): Uint8Array {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new RangeError(`not an IPv4 address: '${ip}'`);
  }
  const addr = new Uint8Array(16);
  const dv = new DataView(addr.buffer);
  dv.setUint16(0, AF_INET, true);
  dv.setUint16(2, port, false);
  addr.set(parts, 4);
  return addr;
}

/** A blocking socket connected to ip:port (TCP stream, or UDP "connected" so write() sends one datagram). */
export function inetConnect(ip: string, port: number, type: "tcp" | "udp"): number {
  const fd = libc.socket(AF_INET, (type === "tcp" ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
  if (fd < 0) throw sysError("socket");
  const addr = inetAddress(ip, port);
  if (libc.connect(fd, ptr(addr), addr.length) < 0) {
    const err = sysError("connect", `${ip}:${port}`);
    libc.close(fd);
    throw err;
  }
  return fd;
}
