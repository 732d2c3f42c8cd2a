// What crosses between FdReactor and its waiter Worker.

export interface PollerStart {
  epfd: number;
  /** The read end of the stop pipe, watched in the same set. */
  stopFd: number;
}

/** A batch of (fd, events) pairs, flattened; or the waiter's last word. */
export type FromPoller = { events: number[]; stopped?: undefined } | { stopped: true; events?: undefined };
