// Readiness for plain fds (unix sockets from accept4, virtio-serial ports) on the main thread
// without blocking it: poll() with a zero timeout on a short timer. The data plane never goes
// through here (per-CPU Workers splice); this carries control messages only.

import { POLLERR, POLLHUP, POLLIN, POLLOUT, PollSet } from "../../ffi/poll.ts";

export interface FdWatch {
  /** Called with the poll revents when the fd is readable, writable (if asked), hung up or in error. */
  onReady(revents: number): void;
  /** Whether output is waiting, so POLLOUT matters. */
  wantsWrite?(): boolean;
}

export class FdReactor {
  readonly #watches = new Map<number, FdWatch>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly intervalMs = 5) {}

  add(fd: number, watch: FdWatch): void {
    this.#watches.set(fd, watch);
    this.#timer ??= setInterval(() => this.#tick(), this.intervalMs);
  }

  remove(fd: number): void {
    this.#watches.delete(fd);
    if (this.#watches.size === 0) this.stop();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    const entries = [...this.#watches].map(([fd, w]) => ({ fd, events: POLLIN | (w.wantsWrite?.() ? POLLOUT : 0) }));
    const poll = new PollSet(entries);
    if (poll.wait(0) === 0) return;
    entries.forEach(({ fd }, i) => {
      const rev = poll.revents(i);
      if (rev & (POLLIN | POLLOUT | POLLHUP | POLLERR)) this.#watches.get(fd)?.onReady(rev);
    });
  }
}
