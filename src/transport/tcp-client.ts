// A TCP connection as a StreamChannel (Bun's non-blocking sockets; reads are bounded by timeouts).

import { ProtocolError } from "../errors.ts";
import { StreamChannel } from "./stream-channel.ts";

export async function connectTcp(host: string, port: number, timeoutMs: number): Promise<StreamChannel> {
  let ch: StreamChannel | undefined;
  const connecting = Bun.connect<undefined>({
    hostname: host,
    port,
    socket: {
      open(socket) {
        ch = new StreamChannel({ write: (b) => socket.write(b), end: () => socket.end() }, `${host}:${port}`);
      },
      data: (_s, data) => ch?.onData(data),
      drain: () => ch?.onDrain(),
      close: () => ch?.onClose(),
      error: () => ch?.onClose(),
    },
  });
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new ProtocolError(`cannot connect to ${host}:${port}: timed out after ${timeoutMs} ms`)), timeoutMs).unref(),
  );
  try {
    await Promise.race([connecting, timeout]);
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    throw new ProtocolError(`cannot connect to ${host}:${port}: ${(e as Error).message}`);
  }
  return ch!;
}
