// agent-ctl-path must always exist as a socket node, served or not. libvirt stat()s a
// `mode='connect'` channel's path before it starts QEMU and refuses to start the domain when
// nothing is there; with <reconnect> (QEMU's reconnect=1) QEMU then connects whenever a server
// listens there. So the node outlives the server: setup-guest creates it, the server replaces it
// atomically (bind beside it, then rename over it) and leaves it behind, unserved, when it exits.

import { chmodSync, chownSync, lstatSync, renameSync, unlinkSync } from "node:fs";
import { closeFd } from "../../ffi/fd.ts";
import { effectiveUid } from "../../ffi/process.ts";
import { unixConnect, unixListen } from "../../ffi/socket.ts";
import { UsageError, VtraceError } from "../errors.ts";

/** A listening socket at path, replacing an unserved node without a moment where none exists. */
export function listenAtNode(path: string, gid: number | undefined): number {
  refuseLiveServer(path);
  const temp = `${path}.${process.pid}.new`;
  const fd = unixListen(temp);
  try {
    chmodSync(temp, 0o660);
    if (gid !== undefined) chownSync(temp, effectiveUid(), gid);
    checkReplaceable(path);
    renameSync(temp, path);
  } catch (e) {
    closeFd(fd);
    removeQuietly(temp);
    throw e;
  }
  return fd;
}

/** Leaves an unserved socket node at path when nothing is there; "existing" when one is. */
export function ensureSocketNode(path: string, gid: number | undefined): "created" | "existing" {
  if (checkReplaceable(path)) {
    if (gid !== undefined) chownSync(path, lstatSync(path).uid, gid);
    return "existing";
  }
  closeFd(listenAtNode(path, gid));
  return "created";
}

/** A server answering at path means another virt-server on this folder. */
export function refuseLiveServer(path: string): void {
  let fd: number;
  try {
    fd = unixConnect(path);
  } catch {
    return;
  }
  closeFd(fd);
  throw new UsageError(`another virt-server is already running on ${path}`);
}

/** True when a socket node is there; throws for anything that is not one. */
function checkReplaceable(path: string): boolean {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return false;
  }
  if (!st.isSocket()) throw new VtraceError(`refusing to use '${path}': it exists and is not a socket`);
  return true;
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // not there
  }
}
