// A StreamChannel over a non-blocking fd (accepted unix socket, virtio-serial port), driven by FdReactor.

import { closeFd, readFd, writeFd } from "../../ffi/fd.ts";
import { POLLHUP, POLLIN, POLLOUT } from "../../ffi/poll.ts";
import type { FdReactor } from "./fd-reactor.ts";
import { StreamChannel } from "./stream-channel.ts";

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
      for (;;) {
        const n = readFd(fd, buf);
        if (n === "again") break;
        if (n === 0) {
          if (opts.hupIsClose) return closeChannel();
          break;
        }
        ch.onData(buf.slice(0, n));
      }
      ch.onDrain();
    } else if (rev & POLLHUP && opts.hupIsClose) {
      closeChannel();
    }
  }
  function closeChannel() {
    shut();
    ch.onClose();
  }
  return ch;
}
