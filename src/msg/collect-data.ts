// Receiving a SEND_DATA … FIN_DATA run (the trace.dat metadata) from any message source.

import { ProtocolError } from "../errors.ts";
import { concatBytes } from "../lib/writer.ts";
import { MSG_WAIT_MS } from "./commands.ts";
import type { Message } from "./messages.ts";

export type NextMessage = (timeoutMs: number, what: string) => Promise<Message>;

export interface SendDataLimits {
  /** Most bytes in all; more is a ProtocolError. */
  maxBytes: number;
  /** Date.now() by which FIN_DATA must have come, so a trickle cannot hold a session forever. */
  deadline?: number;
  /** Longest wait for each message (default MSG_WAIT_MS). */
  messageWaitMs?: number;
}

/**
 * Hands each SEND_DATA payload to `sink` as it arrives (so nothing accumulates here) until
 * FIN_DATA; returns the byte count. Anything else, too much, or too late is a ProtocolError,
 * as is a sink's own refusal (it throws).
 */
export async function streamSendData(next: NextMessage, sink: (data: Uint8Array) => void, limits: SendDataLimits): Promise<number> {
  let size = 0;
  for (;;) {
    const left = (limits.deadline ?? Infinity) - Date.now();
    if (left <= 0) throw new ProtocolError(`metadata not finished in time (${size} bytes arrived)`);
    const m = await next(Math.min(limits.messageWaitMs ?? MSG_WAIT_MS, left), "metadata");
    if (m.cmd === "FIN_DATA") return size;
    if (m.cmd !== "SEND_DATA") throw new ProtocolError(`expected SEND_DATA, got ${m.cmd}`);
    size += m.data.length;
    if (size > limits.maxBytes) throw new ProtocolError(`metadata larger than ${limits.maxBytes} bytes`);
    sink(m.data);
  }
}

/** streamSendData() into memory, for small trusted streams. */
export async function collectSendData(next: NextMessage, maxBytes: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await streamSendData(next, (d) => parts.push(d), { maxBytes });
  return concatBytes(parts);
}

/**
 * Most metadata a peer may send. Real metadata is mostly kallsyms and event formats: 5-10 MB
 * on a distribution kernel; more is a peer flooding the server.
 */
export const MAX_METADATA_BYTES = 64 << 20;

/** How long a peer may take to send its whole metadata. */
export const METADATA_DEADLINE_MS = 5 * 60_000;
