// Worker entry: the reactor's waiter. It sleeps in epoll_wait() on the reactor's epoll set and
// posts each batch of events to the main thread, whose event loop cannot block in a syscall. A
// byte on the stop pipe (also in the set) ends it.

import { EpollWaiter } from "../../ffi/epoll.ts";
import type { PollerStart, FromPoller } from "./poller-protocol.ts";

declare const self: Worker;

self.onmessage = (ev: MessageEvent<PollerStart>) => {
  const { epfd, stopFd } = ev.data;
  const waiter = new EpollWaiter(epfd);
  for (;;) {
    const events = waiter.wait(-1);
    if (events.some((e) => e.fd === stopFd)) break;
    if (events.length > 0) self.postMessage({ events: events.flatMap((e) => [e.fd, e.events]) } satisfies FromPoller);
  }
  self.postMessage({ stopped: true } satisfies FromPoller);
};
