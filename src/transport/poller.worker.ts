// Worker entry: the reactor's waiter. It sleeps in epoll_wait() on the reactor's epoll set and
// posts each batch of events to the main thread, whose event loop cannot block in a syscall. A
// byte on the stop pipe (also in the set) ends it.

import { EPOLLIN, EpollWaiter, type EpollEvent } from "../../ffi/epoll.ts";
import { writeFd } from "../../ffi/fd.ts";
import { threadId } from "../../ffi/process.ts";
import { ARRIVAL_STAMP, type FromPoller, type PollerStart } from "./poller-protocol.ts";

declare const self: Worker;

const STAMP = new TextEncoder().encode(ARRIVAL_STAMP);

/** Marks the trace the moment the stamped fd has input: this thread wakes first, the event loop later. */
function stampArrival(events: readonly EpollEvent[], stamp: Int32Array): void {
  const watched = Atomics.load(stamp, 0);
  const marker = Atomics.load(stamp, 1);
  if (marker < 0 || !events.some((e) => e.fd === watched && e.events & EPOLLIN)) return;
  try {
    writeFd(marker, STAMP);
  } catch {
    // the marker fd closed as the session ended: nothing to stamp
  }
}

self.onmessage = (ev: MessageEvent<PollerStart>) => {
  const { epfd, stopFd } = ev.data;
  const stamp = new Int32Array(ev.data.stamp);
  const waiter = new EpollWaiter(epfd);
  self.postMessage({ tid: threadId() } satisfies FromPoller);
  for (;;) {
    const events = waiter.wait(-1);
    if (events.some((e) => e.fd === stopFd)) break;
    stampArrival(events, stamp);
    if (events.length > 0) self.postMessage({ events: events.flatMap((e) => [e.fd, e.events]) } satisfies FromPoller);
  }
  self.postMessage({ stopped: true } satisfies FromPoller);
};
