// A StreamChannel over a non-blocking fd (accepted unix socket, virtio-serial port), driven by FdReactor.

import { closeFd, readFd, writeFd } from "../../ffi/fd.ts";
import { POLLHUP, POLLIN, POLLOUT } from "../../ffi/poll.ts";
import type { FdReactor } from "./fd-reactor.ts";
import { MAX_BUFFERED_INPUT, StreamChannel } from "./stream-channel.ts";

export interface FdChannelOptions {
  /** A virtio port reports HUP while the host side is not connected: keep waiting instead of closing. */
  hupIsClose: boolean;
  /** With hupIsClose false: called when the host side of a virtio port (re)connects after a HUP. */
  onHostUp?(): void;
}

export function fdChannel(fd: number, reactor: FdReactor, peer: string, opts: FdChannelOptions): StreamChannel {
  let open = true;
  const buf = new Uint8Array(65536);
  const shut = () => {
    if (!open) return;
    open = false;
    reactor.remove(fd);
    try {
      closeFd(fd);
    } catch {
      // already closed
    }
  };
  const ch = new StreamChannel(
    {
      write(bytes) {
        if (!open) return bytes.length;
        const n = writeFd(fd, bytes);
        return n === "again" ? 0 : n;
      },
      end: shut,
    },
    peer,
  );
  let hostUp = true;
  reactor.add(fd, { onReady });
  ch.stampArrivals = (markerFd) => reactor.stampArrivals(fd, markerFd);
  function onReady(rev: number): void {
    if (!opts.hupIsClose) {
      // A virtio port reports HUP while nothing is connected on the host; the next event
      // without it means QEMU's chardev connected again (a restarted virt-server).
      if (rev & POLLHUP) hostUp = false;
      else if (!hostUp) {
        hostUp = true;
        opts.onHostUp?.();
      }
    }
    if (rev & POLLOUT) ch.onDrain();
    if (rev & POLLIN) {
      readAvailable();
      ch.onDrain();
    } else if (rev & POLLHUP && opts.hupIsClose) {
      closeChannel();
    }
  }
  // Reads until EAGAIN (edge-triggered readiness asks for that), or until the reader has
  // MAX_BUFFERED_INPUT unread: a peer that floods then waits in the socket, and reading resumes
  // when the reader makes room, so memory per peer stays bounded whatever it sends.
  let paused = false;
  ch.onRoom = () => {
    if (paused && open) readAvailable();
  };
  function readAvailable(): void {
    paused = false;
    for (;;) {
      if (ch.buffered >= MAX_BUFFERED_INPUT) {
        paused = true;
        return;
      }
      const n = readFd(fd, buf);
      if (n === "again") return;
      if (n === 0) {
        if (opts.hupIsClose) closeChannel();
        return;
      }
      ch.onData(buf.subarray(0, n)); // onData copies what it keeps
    }
  }
  function closeChannel() {
    shut();
    ch.onClose();
  }
  return ch;
}
