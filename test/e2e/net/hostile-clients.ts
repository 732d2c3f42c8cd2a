// Clients that misbehave on purpose, for the listen flood tests: raw sockets that speak just
// enough of trace-msg v3 to reach a phase and then flood it, stall, or stop reading.

import { readFileSync } from "node:fs";
import { MSG_MAX_DATA_LEN } from "../../../src/msg/commands.ts";
import { peekFrame } from "../../../src/msg/frame.ts";
import { V3_CPU, V3_MAGIC } from "../../../src/msg/handshake.ts";
import { decodeMessage, encodeMessage, type Message } from "../../../src/msg/messages.ts";

export interface RawClient {
  /** Resolves when the kernel took all of it; false when the connection closed first. */
  write(bytes: Uint8Array): Promise<boolean>;
  /** Everything received so far. */
  received(): Uint8Array;
  readonly closed: boolean;
  /** Stop reading (the server's replies pile up in the kernel, then in the server). */
  stopReading(): void;
  end(): void;
}

export async function rawClient(port: number, hostname = "127.0.0.1"): Promise<RawClient> {
  const inbox: Uint8Array[] = [];
  let closed = false;
  let drained: (() => void) | undefined;
  const sock = await Bun.connect({
    hostname,
    port,
    socket: {
      data: (_s, d) => void inbox.push(new Uint8Array(d)),
      drain: () => drained?.(),
      close: () => {
        closed = true;
        drained?.();
      },
      error: () => {
        closed = true;
        drained?.();
      },
    },
  });
  return {
    async write(bytes) {
      let at = 0;
      while (at < bytes.length) {
        if (closed) return false;
        const n = sock.write(bytes.subarray(at));
        at += Math.max(0, n);
        if (at < bytes.length) await new Promise<void>((r) => (drained = r));
      }
      return !closed;
    },
    received: () => Buffer.concat(inbox),
    get closed() {
      return closed;
    },
    stopReading: () => void sock.pause(),
    end: () => sock.end(),
  };
}

/** The v3 greeting and magic (13 bytes). */
export const V3_HELLO: Uint8Array = Buffer.concat([V3_CPU, V3_MAGIC]);

/** The v3 greeting, magic and a TINIT, all at once (the server reads them in order). */
export function v3Start(tinit: Message): Uint8Array {
  return Buffer.concat([V3_HELLO, encodeMessage(tinit)]);
}

/** The server's RINIT: after "tracecmd", "V3\0" and "OK" (13 bytes) comes the first message. */
export async function readRinit(c: RawClient, timeoutMs = 10_000): Promise<number[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const buf = c.received().subarray(13);
    const p = buf.length >= 12 ? peekFrame(buf) : { kind: "more" as const };
    if (p.kind === "frame") {
      const m = decodeMessage(buf.subarray(0, p.size));
      if (m.cmd !== "RINIT") throw new Error(`expected RINIT, got ${m.cmd}`);
      return m.ports;
    }
    if (c.closed || Date.now() > until) throw new Error("no RINIT");
    await Bun.sleep(10);
  }
}

/** `count` full SEND_DATA frames of filler, as one buffer. */
export function sendDataBlock(count: number): Uint8Array {
  const frame = encodeMessage({ cmd: "SEND_DATA", data: new Uint8Array(MSG_MAX_DATA_LEN).fill(0x41) });
  return Buffer.concat(Array.from({ length: count }, () => frame));
}

/** Writes `block` until `bytes` went out or the server closed; returns the bytes sent. */
export async function flood(c: RawClient, block: Uint8Array, bytes: number): Promise<number> {
  let sent = 0;
  while (sent < bytes && (await c.write(block))) sent += block.length;
  return sent;
}

export interface MemorySample {
  rssKb: number;
  hwmKb: number;
}

/** VmRSS and VmHWM of a process, from /proc. */
export function memoryOf(pid: number): MemorySample {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssKb: kb("VmRSS"), hwmKb: kb("VmHWM") };
}
