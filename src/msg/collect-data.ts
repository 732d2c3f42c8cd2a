// Receiving a SEND_DATA … FIN_DATA run (the trace.dat metadata) from any message source.

import { ProtocolError } from "../errors.ts";
import { concatBytes } from "../lib/writer.ts";
import { MSG_WAIT_MS } from "./commands.ts";
import type { Message } from "./messages.ts";

export type NextMessage = (timeoutMs: number, what: string) => Promise<Message>;

/** Reads SEND_DATA payloads until FIN_DATA; anything else, or too much, is a ProtocolError. */
export async function collectSendData(next: NextMessage, maxBytes: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const m = await next(MSG_WAIT_MS, "metadata");
    if (m.cmd === "FIN_DATA") return concatBytes(parts);
    if (m.cmd !== "SEND_DATA") throw new ProtocolError(`expected SEND_DATA, got ${m.cmd}`);
    size += m.data.length;
    if (size > maxBytes) throw new ProtocolError(`metadata larger than ${maxBytes} bytes`);
    parts.push(m.data);
  }
}

/** Most metadata a peer may send (kallsyms alone is several MB). */
export const MAX_METADATA_BYTES = 512 << 20;
