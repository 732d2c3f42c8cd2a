// `vtrace virt-server`: the unix socket QEMU connects to (agent-ctl-path), one poll-driven loop
// accepting connections, and one host session loop per guest.

import { existsSync, unlinkSync } from "node:fs";
import { closeFd } from "../../ffi/fd.ts";
import { acceptConnection, peerCredentials } from "../../ffi/socket.ts";
import { VtraceError } from "../errors.ts";
import { fdChannel } from "../transport/fd-channel.ts";
import { FdReactor } from "../transport/fd-reactor.ts";
import { serveGuest, type VirtServerContext } from "./host-session.ts";
import { CONTROL_SOCKET_NAME, startControlServer } from "./control-server.ts";
import { controlSocketPath } from "./paths.ts";
import { defaultQemuGroup, ensureVirtDir, groupId } from "./setup-guest.ts";
import { listenAtNode, refuseLiveServer } from "./socket-node.ts";

export interface VirtServer {
  readonly socketPath: string;
  stop(): void;
}

export function startVirtServer(ctx: VirtServerContext, group = defaultQemuGroup()): VirtServer {
  ensureVirtDir(ctx.virtDir, group);
  const socketPath = controlSocketPath(ctx.virtDir);
  const listenFd = listenAtNode(socketPath, group === undefined ? undefined : groupId(group));
  let control;
  try {
    control = startControl(ctx);
  } catch (e) {
    closeFd(listenFd);
    throw e;
  }
  const reactor = new FdReactor();
  reactor.add(listenFd, { onReady: () => acceptAll(listenFd, reactor, ctx) });
  ctx.log(`listening on ${socketPath}`);
  return {
    socketPath,
    stop() {
      control.stop();
      reactor.stop();
      // The node stays, unserved: libvirt starts a domain only when its channel's path exists.
      closeFd(listenFd);
    },
  };
}

function startControl(ctx: VirtServerContext) {
  const path = `${ctx.virtDir}/${CONTROL_SOCKET_NAME}`;
  claimSocketPath(path);
  return startControlServer(ctx);
}

/** A live socket means another server; a dead one is a leftover to remove. */
function claimSocketPath(path: string): void {
  if (!existsSync(path)) return;
  refuseLiveServer(path);
  unlinkSync(path);
}

function acceptAll(listenFd: number, reactor: FdReactor, ctx: VirtServerContext): void {
  for (;;) {
    let fd: number | "again";
    try {
      fd = acceptConnection(listenFd);
    } catch (e) {
      ctx.log(`accept: ${(e as VtraceError).message}`);
      return;
    }
    if (fd === "again") return;
    const pid = peerCredentials(fd).pid;
    ctx.log(`connection from pid ${pid}`);
    const ch = fdChannel(fd, reactor, `qemu pid ${pid}`, { hupIsClose: true });
    serveGuest(ch, pid, ctx).catch((e) => ctx.log(`qemu pid ${pid}: ${(e as Error).message}`));
  }
}
