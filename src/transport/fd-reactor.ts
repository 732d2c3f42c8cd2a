// Readiness for plain fds (unix sockets from accept4, virtio-serial ports) on the main thread
// without blocking it: poll() with a zero timeout on a short timer. The data plane never goes
// through here (per-CPU Workers splice); this carries control messages only.

import { POLLERR, POLLHUP, POLLIN, PollSet } from "../../ffi/poll.ts";

type Handler = (revents: number) => void;

export class FdReactor {
  readonly #handlers = new Map<number, Handler>();
  #poll: PollSet | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly intervalMs = 5) {}

  /** Calls handler with the poll revents whenever fd is readable, hung up or in error. */
  add(fd: number, handler: Handler): void {
    this.#handlers.set(fd, handler);
    this.#poll = undefined;
    this.#timer ??= setInterval(() => this.#tick(), this.intervalMs);
  }

  remove(fd: number): void {
    this.#handlers.delete(fd);
    this.#poll = undefined;
    if (this.#handlers.size === 0) this.stop();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    const fds = [...this.#handlers.keys()];
    this.#poll ??= new PollSet(fds.map((fd) => ({ fd, events: POLLIN })));
    const poll = this.#poll;
    if (poll.wait(0) === 0) return;
    poll.entries.forEach(({ fd }, i) => {
      const rev = poll.revents(i);
      if (rev & (POLLIN | POLLHUP | POLLERR)) this.#handlers.get(fd)?.(rev);
    });
  }
}
