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

/** The waiter's thread id once it waits; a batch of (fd, events) pairs, flattened; or its last word. */
export type FromPoller = { tid: number; events?: undefined; stopped?: undefined } | { events: number[]; stopped?: undefined; tid?: undefined } | { stopped: true; events?: undefined; tid?: undefined };
