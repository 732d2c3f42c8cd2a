// What crosses between FdReactor and its waiter Worker.

export interface PollerStart {
  epfd: number;
  /** The read end of the stop pipe, watched in the same set. */
  stopFd: number;
  /** Int32Array [watched fd, marker fd] (see FdReactor.stampArrivals); -1 when off. */
  stamp: SharedArrayBuffer;
}

/** What the waiter writes to the marker fd when the stamped fd becomes readable. */
export const ARRIVAL_STAMP = "vtrace-sync-wake\n";

/** A batch of (fd, events) pairs, flattened; or the waiter's last word. */
export type FromPoller = { events: number[]; stopped?: undefined } | { stopped: true; events?: undefined };
