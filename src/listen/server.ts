// `vtrace listen`'s server: accepts many clients at once on one TCP port; each is served by
// its own session, and a failing client never affects the others.

import { appendFileSync } from "node:fs";
import { MAX_METADATA_BYTES } from "../msg/collect-data.ts";
import { StreamChannel } from "../transport/stream-channel.ts";
import { serveClient, type SessionContext } from "./client-session.ts";

export interface ListenOptions {
  port: number;
  hostname: string;
  outDir: string;
  name: string;
  logFile?: string;
  onFile?(path: string): void;
}

export interface ListenServer {
  readonly port: number;
  stop(): void;
}

export function makeLogger(logFile: string | undefined): (line: string) => void {
  return (line) => {
    const text = `${line}\n`;
    if (logFile) appendFileSync(logFile, text);
    else process.stdout.write(text);
  };
}

export function startListenServer(opts: ListenOptions): ListenServer {
  const ctx: SessionContext = {
    outDir: opts.outDir,
    name: opts.name,
    bindHost: opts.hostname,
    log: makeLogger(opts.logFile),
    maxMetadataBytes: MAX_METADATA_BYTES,
  };
  const server = Bun.listen<{ ch: StreamChannel }>({
    hostname: opts.hostname,
    port: opts.port,
    socket: {
      open(socket) {
        const ch = new StreamChannel({ write: (b) => socket.write(b), end: () => socket.end() }, `${socket.remoteAddress}`);
        socket.data = { ch };
        const peerPort = (socket as unknown as { remotePort?: number }).remotePort ?? 0;
        serveClient(ch, ctx, socket.remoteAddress, peerPort)
          .then((file) => file && opts.onFile?.(file))
          .catch((e) => ctx.log(`client ${socket.remoteAddress}: ${(e as Error).message}`));
      },
      data: (socket, data) => socket.data.ch.onData(data),
      drain: (socket) => socket.data.ch.onDrain(),
      close: (socket) => socket.data?.ch.onClose(),
      error: (socket) => socket.data?.ch.onClose(),
    },
  });
  return { port: server.port, stop: () => server.stop(true) };
}
