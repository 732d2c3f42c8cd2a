// Talking to a running virt-server over its control socket: one JSON line out, one back.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { EnvironmentError, ProtocolError } from "../errors.ts";
import { CONTROL_SOCKET_NAME } from "./control-server.ts";
import type { ControlReply, ControlRequest } from "./control-protocol.ts";

export interface ControlClient {
  request(req: ControlRequest, timeoutMs: number): Promise<ControlReply>;
  close(): void;
}

export async function connectControl(virtDir: string): Promise<ControlClient> {
  const path = join(virtDir, CONTROL_SOCKET_NAME);
  if (!existsSync(path)) throw new EnvironmentError(`no virt-server runs on ${virtDir} (start 'vtrace virt-server --virt-dir ${virtDir}')`);
  let buf = "";
  let wake: (() => void) | undefined;
  let closed = false;
  const sock = await Bun.connect({
    unix: path,
    socket: {
      data(_s, d) {
        buf += new TextDecoder().decode(d);
        wake?.();
      },
      close() {
        closed = true;
        wake?.();
      },
    },
  }).catch((e) => {
    throw new EnvironmentError(`cannot reach the virt-server on ${path}: ${(e as Error).message}`);
  });
  return {
    async request(req, timeoutMs) {
      sock.write(`${JSON.stringify(req)}\n`);
      const until = Date.now() + timeoutMs;
      while (!buf.includes("\n")) {
        if (closed) throw new ProtocolError("the virt-server closed the control connection");
        if (Date.now() > until) throw new ProtocolError(`no answer from the virt-server within ${timeoutMs} ms`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 100);
        });
      }
      const nl = buf.indexOf("\n");
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      return JSON.parse(line) as ControlReply;
    },
    close: () => sock.end(),
  };
}
