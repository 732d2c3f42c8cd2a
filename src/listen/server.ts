// `vtrace listen`'s server: accepts many clients at once on one TCP port; each is served by
// its own session, and a failing client never affects the others. Peers are not trusted: who may
// connect (--allow), how many at once (--max-clients), how much each may write (--max-size) and
// how full the disk may get (--min-free) are checked here, each refusal one log line.

import { appendFileSync } from "node:fs";
import { MAX_METADATA_BYTES } from "../msg/collect-data.ts";
import { StreamChannel } from "../transport/stream-channel.ts";
import { type AllowedNetwork, isAllowed } from "./allow-list.ts";
import { ClientSession, type SessionContext } from "./client-session.ts";
import { belowFloor } from "./disk-space.ts";
import type { DiskLimits } from "./limits.ts";

export interface ListenOptions {
  port: number;
  hostname: string;
  outDir: string;
  name: string;
  logFile?: string;
  limits: DiskLimits;
  maxClients: number;
  /** Empty: anyone who can reach the port. */
  allow: readonly AllowedNetwork[];
  onFile?(path: string): void;
}

export interface ListenServer {
  readonly port: number;
  stop(): void;
}

/** Every client's data ports together: each is a socket and a file, so two descriptors. */
const MAX_OPEN_DATA_PORTS = 2048;
/** How often running recordings are checked against the free-space floor... */
const FLOOR_CHECK_MS = 1000;
/** ...and after how many bytes written by all of them, since a fast peer fills a disk in a second. */
const FLOOR_CHECK_BYTES = 4 << 20;

export function makeLogger(logFile: string | undefined): (line: string) => void {
  return (line) => {
    const text = `${line}\n`;
    if (logFile) appendFileSync(logFile, text);
    else process.stdout.write(text);
  };
}

interface SocketState {
  ch?: StreamChannel;
}

export function startListenServer(opts: ListenOptions): ListenServer {
  const sessions = new Set<ClientSession>();
  let portsInUse = 0;
  let writtenSinceCheck = 0;
  /** Each running recording's bytes will be copied once more into its output file: keep room for that. */
  const lowOnSpace = () => belowFloor(opts.outDir, opts.limits.minFreeBytes, [...sessions].reduce((sum, s) => sum + s.bytesOnDisk, 0));
  const checkFloor = () => {
    writtenSinceCheck = 0;
    if (sessions.size === 0) return;
    const low = lowOnSpace();
    if (low) for (const s of sessions) s.stop(low);
  };
  const ctx: SessionContext = {
    outDir: opts.outDir,
    name: opts.name,
    bindHost: opts.hostname,
    log: makeLogger(opts.logFile),
    maxMetadataBytes: Math.min(MAX_METADATA_BYTES, opts.limits.maxRecordingBytes),
    limits: opts.limits,
    claimPorts(n) {
      if (portsInUse + n > MAX_OPEN_DATA_PORTS) return false;
      portsInUse += n;
      return true;
    },
    releasePorts(n) {
      portsInUse -= n;
    },
    wrote(n) {
      writtenSinceCheck += n;
      if (writtenSinceCheck >= FLOOR_CHECK_BYTES) checkFloor();
    },
  };
  const refusal = (host: string, port: number): string | undefined => {
    if (opts.allow.length > 0 && !isAllowed(opts.allow, host)) return "not in --allow";
    if (sessions.size >= opts.maxClients) return `already serving --max-clients ${opts.maxClients}`;
    return lowOnSpace();
  };
  const server = Bun.listen<SocketState>({
    hostname: opts.hostname,
    port: opts.port,
    socket: {
      open(socket) {
        socket.data = {};
        const peerPort = (socket as unknown as { remotePort?: number }).remotePort ?? 0;
        const refused = refusal(socket.remoteAddress, peerPort);
        if (refused) {
          ctx.log(`refused ${socket.remoteAddress}:${peerPort}: ${refused}`);
          socket.end();
          return;
        }
        const ch = new StreamChannel({ write: (b) => socket.write(b), end: () => socket.end() }, `${socket.remoteAddress}`);
        socket.data.ch = ch;
        const session = new ClientSession(
          { ch, host: socket.remoteAddress, port: peerPort, pauseInput: () => socket.pause(), resumeInput: () => socket.resume() },
          ctx,
        );
        sessions.add(session);
        session
          .run()
          .then((file) => file && opts.onFile?.(file))
          .catch((e) => ctx.log(`client ${session.label}: ${(e as Error).message}`))
          .finally(() => sessions.delete(session));
      },
      data: (socket, data) => socket.data.ch?.onData(data),
      drain: (socket) => socket.data.ch?.onDrain(),
      close: (socket) => socket.data?.ch?.onClose(),
      error: (socket) => socket.data?.ch?.onClose(),
    },
  });
  const floorCheck = setInterval(checkFloor, FLOOR_CHECK_MS);
  return {
    port: server.port,
    stop() {
      clearInterval(floorCheck);
      server.stop(true);
    },
  };
}
