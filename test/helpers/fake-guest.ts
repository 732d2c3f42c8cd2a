// Plays QEMU + a guest on the host, for virt-server tests that need no VM: connects to the
// control socket as QEMU would, speaks the guest side of the session, and writes pages into the
// trace-path-cpuN.out FIFOs as QEMU's pipe chardevs would.

import { closeSync, openSync, readFileSync, writeSync, constants } from "node:fs";
import { sendDataMessages, encodeMessage, type Message } from "../../src/msg/messages.ts";
import { FrameReader } from "../../src/msg/frame.ts";
import { decodeMessage } from "../../src/msg/messages.ts";

export interface FakeGuest {
  send(m: Message): void;
  sendRaw(bytes: Uint8Array): void;
  next(timeoutMs?: number): Promise<Message>;
  /** Resolves once everything sent has been handed to the kernel. */
  drained(): Promise<void>;
  close(): void;
  closed: boolean;
}

export async function connectFakeGuest(socketPath: string): Promise<FakeGuest> {
  const reader = new FrameReader();
  const inbox: Message[] = [];
  let wake: (() => void) | undefined;
  const state = { closed: false };
  const queue: Uint8Array[] = [];
  const flush = (s: { write(b: Uint8Array): number }) => {
    while (queue.length > 0) {
      const n = s.write(queue[0]!);
      if (n < queue[0]!.length) {
        queue[0] = queue[0]!.subarray(n);
        return;
      }
      queue.shift();
    }
  };
  const sock = await Bun.connect({
    unix: socketPath,
    socket: {
      drain: (s) => flush(s),
      data(_s, d) {
        for (const f of reader.push(d)) inbox.push(decodeMessage(f));
        wake?.();
      },
      close() {
        state.closed = true;
        wake?.();
      },
    },
  });
  return {
    send: (m) => {
      queue.push(encodeMessage(m));
      flush(sock);
    },
    sendRaw: (b) => {
      queue.push(b);
      flush(sock);
    },
    async next(timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (inbox.length === 0) {
        if (state.closed) throw new Error("connection closed");
        if (Date.now() > until) throw new Error("no message in time");
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      return inbox.shift()!;
    },
    async drained() {
      while (queue.length > 0 && !state.closed) await Bun.sleep(10);
    },
    close: () => sock.end(),
    get closed() {
      return state.closed;
    },
  };
}

/** The head (magic … options) and the pages of a real v6 file, split at its flyrecord table. */
export function splitV6(file: string, dataOffset: number, dataSize: number): { head: Uint8Array; pages: Uint8Array } {
  const bytes = new Uint8Array(readFileSync(file));
  const flyAt = Buffer.from(bytes).lastIndexOf("flyrecord\0", dataOffset);
  return { head: bytes.subarray(0, flyAt), pages: bytes.subarray(dataOffset, dataOffset + dataSize) };
}

export function sendMetadataTo(g: FakeGuest, head: Uint8Array): void {
  for (const f of sendDataMessages(head)) g.sendRaw(f);
  g.send({ cmd: "FIN_DATA" });
}

/** Writes bytes into a FIFO the server reads (as QEMU's pipe chardev does), waiting when it is full. */
export async function writeFifo(path: string, bytes: Uint8Array): Promise<void> {
  const fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    let at = 0;
    while (at < bytes.length) {
      try {
        at += writeSync(fd, bytes, at, Math.min(65536, bytes.length - at));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
        await Bun.sleep(2);
      }
    }
  } finally {
    closeSync(fd);
  }
}
