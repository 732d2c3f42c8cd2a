// The client side of trace-cmd's listen protocol v3 (trace-cmd 3.1.6 trace-record.c
// check_protocol_version(), tracecmd_msg_send_init_data()): handshake, TINIT → RINIT,
// metadata as SEND_DATA…FIN_DATA, and CLOSE at the end.

import { ProtocolError } from "../errors.ts";
import { MSG_WAIT_MS } from "../msg/commands.ts";
import { bytesEqual, SERVER_BANNER, V3_CPU, V3_MAGIC, V3_OK } from "../msg/handshake.ts";
import { sendDataMessages } from "../msg/messages.ts";
import type { StreamChannel } from "../transport/stream-channel.ts";

export async function handshakeV3(ch: StreamChannel): Promise<void> {
  const banner = await ch.readExact(SERVER_BANNER.length, MSG_WAIT_MS, "server banner");
  if (!bytesEqual(banner, SERVER_BANNER)) throw new ProtocolError(`${ch.peer} is not a trace-cmd listener`);
  ch.send(V3_CPU);
  const reply = await ch.readSome(64, MSG_WAIT_MS, "protocol reply");
  if (reply[0] === 0 || !bytesEqual(reply.subarray(0, 2), new TextEncoder().encode("V3"))) {
    throw new ProtocolError(`${ch.peer} speaks only the old v1 protocol`);
  }
  ch.send(V3_MAGIC);
  const ok = await ch.readExact(2, MSG_WAIT_MS, "OK");
  if (!bytesEqual(ok, V3_OK)) throw new ProtocolError(`${ch.peer} refused protocol v3`);
}

/** Sends TINIT and returns the data port of each CPU from RINIT. */
export async function negotiatePorts(ch: StreamChannel, cpus: number, pageSize: number, tcp: boolean): Promise<number[]> {
  ch.sendMessage({ cmd: "TINIT", cpus, pageSize, options: tcp ? ["tcp"] : [] });
  const m = await ch.readMessage(MSG_WAIT_MS, "RINIT");
  if (m.cmd !== "RINIT") throw new ProtocolError(`${ch.peer}: expected RINIT, got ${m.cmd}`);
  if (m.ports.length !== cpus) throw new ProtocolError(`${ch.peer}: RINIT has ${m.ports.length} ports for ${cpus} cpus`);
  return m.ports;
}

export function sendMetadata(ch: StreamChannel, head: Uint8Array): void {
  for (const frame of sendDataMessages(head)) ch.send(frame);
  ch.sendMessage({ cmd: "FIN_DATA" });
}
