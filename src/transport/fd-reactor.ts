// Readiness for plain fds (unix sockets from accept4, virtio-serial ports) on the main thread,
// with nothing running while nothing happens: a waiter Worker sleeps in epoll_wait() and posts
// each batch of events here (the main thread's event loop cannot block in a syscall itself).
// Edge-triggered: every handler reads and writes until EAGAIN, so each new arrival is one event,
// and an fd that stays hung up (a virtio port with no host) does not wake anyone again.
// The data plane never goes through here (the movers splice); this carries control messages only.

import { closeFd, makePipe, writeFd, type Pipe } from "../../ffi/fd.ts";
import { epollAdd, epollCreate, epollRemove, EPOLLIN, EPOLLOUT, EPOLLRDHUP } from "../../ffi/epoll.ts";
import { POLLER_WORKER_URL } from "../worker-urls.ts";
import type { FromPoller, PollerStart } from "./poller-protocol.ts";

export interface FdWatch {
  /** Called with the event bits (POLLIN, POLLOUT, POLLHUP, POLLERR share epoll's values). */
  onReady(revents: number): void;
}

interface Waiter {
  epfd: number;
  stop: Pipe;
  worker: Worker;
}

export class FdReactor {
  readonly #watches = new Map<number, FdWatch>();
  #waiter: Waiter | undefined;
  readonly #stamp = new Int32Array(new SharedArrayBuffer(8)).fill(-1);
  #waiterTid: number | undefined;

  /** The kernel thread id of the waiter once it runs (to watch what it costs). */
  get waiterTid(): number | undefined {
    return this.#waiterTid;
  }

  /**
   * While on, the waiter writes a clock-sync arrival stamp to markerFd (a trace_marker) the moment
   * fd has input, before this thread hears of it; markerFd -1 turns it off.
   */
  stampArrivals(fd: number, markerFd: number): void {
    Atomics.store(this.#stamp, 0, fd);
    Atomics.store(this.#stamp, 1, markerFd);
  }

  add(fd: number, watch: FdWatch): void {
    const waiter = (this.#waiter ??= this.#startWaiter());
    this.#watches.set(fd, watch);
    epollAdd(waiter.epfd, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
  }

  remove(fd: number): void {
    if (!this.#watches.delete(fd)) return;
    if (this.#waiter) epollRemove(this.#waiter.epfd, fd);
    if (this.#watches.size === 0) this.stop();
  }

  /** Ends the waiter; the reactor starts a new one if an fd is added later. */
  stop(): void {
    const waiter = this.#waiter;
    if (!waiter) return;
    this.#waiter = undefined;
    this.#watches.clear();
    writeFd(waiter.stop.writeFd, new Uint8Array([1]));
  }

  #startWaiter(): Waiter {
    const epfd = epollCreate();
    const stop = makePipe();
    epollAdd(epfd, stop.readFd, EPOLLIN);
    const worker = new Worker(POLLER_WORKER_URL, { smol: true } as WorkerOptions);
    const waiter: Waiter = { epfd, stop, worker };
    worker.onmessage = (ev: MessageEvent<FromPoller>) => {
      if (ev.data.stopped) return endWaiter(waiter);
      if (ev.data.tid !== undefined) return void (this.#waiterTid = ev.data.tid);
      const pairs = ev.data.events;
      for (let i = 0; i < pairs.length; i += 2) {
        if (this.#waiter === waiter) this.#watches.get(pairs[i]!)?.onReady(pairs[i + 1]!);
      }
    };
    worker.postMessage({ epfd, stopFd: stop.readFd, stamp: this.#stamp.buffer as SharedArrayBuffer } satisfies PollerStart);
    return waiter;
  }
}

function endWaiter(w: Waiter): void {
  w.worker.terminate();
  for (const fd of [w.epfd, w.stop.readFd, w.stop.writeFd]) {
    try {
      closeFd(fd);
    } catch {
      // already closed
    }
  }
}
