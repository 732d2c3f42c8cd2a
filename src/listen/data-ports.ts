// Per-CPU data ports of a listen session: UDP (one datagram per page) or TCP (a byte stream),
// each appending what arrives to its CPU's temporary file as it arrives (nothing is held in
// memory), as long as the session's `accept` lets the bytes in.

import { closeSync, openSync, writeSync } from "node:fs";

export interface DataPort {
  readonly port: number;
  readonly file: string;
  bytes: number;
  /** Date.now() of the last data, for waiting until the stream is quiet. */
  lastDataAt: number;
  close(): void;
}

/** Whether `n` more bytes may go to disk; false drops them (the session's size cap). */
export type AcceptBytes = (n: number) => boolean;
/** A write failed (ENOSPC, EIO): the port stops writing and the session decides what next. */
export type WriteFailed = (e: Error) => void;

interface Receiver {
  file: string;
  fd: number;
  bytes: number;
  lastDataAt: number;
  accept: AcceptBytes;
  failed: WriteFailed;
  broken: boolean;
}

function receiver(file: string, accept: AcceptBytes, failed: WriteFailed): Receiver {
  return { file, fd: openSync(file, "w", 0o644), bytes: 0, lastDataAt: Date.now(), accept, failed, broken: false };
}

function append(r: Receiver, data: Uint8Array): void {
  if (r.fd < 0 || r.broken || !r.accept(data.length)) return;
  try {
    for (let at = 0; at < data.length; ) at += writeSync(r.fd, data, at, data.length - at);
  } catch (e) {
    r.broken = true;
    r.failed(e as Error);
    return;
  }
  r.bytes += data.length;
  r.lastDataAt = Date.now();
}

export async function openUdpPort(hostname: string, file: string, accept: AcceptBytes, failed: WriteFailed): Promise<DataPort> {
  const r = receiver(file, accept, failed);
  const sock = await Bun.udpSocket({
    hostname,
    port: 0,
    socket: { data: (_s, data) => append(r, data) },
  });
  return portOf(r, sock.port, () => sock.close());
}

export function openTcpPort(hostname: string, file: string, accept: AcceptBytes, failed: WriteFailed): DataPort {
  const r = receiver(file, accept, failed);
  let sender: unknown;
  const listener = Bun.listen({
    hostname,
    port: 0,
    socket: {
      open(s) {
        // One sender per CPU: a second connection is refused.
        if (sender) s.end();
        else sender = s;
      },
      data(s, data) {
        if (s === sender) append(r, data);
      },
    },
  });
  return portOf(r, listener.port, () => listener.stop(true));
}

function portOf(r: Receiver, port: number, stop: () => void): DataPort {
  return {
    port,
    file: r.file,
    get bytes() {
      return r.bytes;
    },
    get lastDataAt() {
      return r.lastDataAt;
    },
    close() {
      if (r.fd < 0) return;
      stop();
      closeSync(r.fd);
      r.fd = -1;
    },
  };
}

/** Waits until no port got data for quietMs (data still in flight after CLOSE), at most maxMs. */
export async function waitQuiet(ports: readonly DataPort[], quietMs: number, maxMs: number): Promise<void> {
  const until = Date.now() + maxMs;
  while (Date.now() < until) {
    const last = Math.max(0, ...ports.map((p) => p.lastDataAt));
    if (Date.now() - last >= quietMs) return;
    await Bun.sleep(Math.min(50, quietMs));
  }
}
