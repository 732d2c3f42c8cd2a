import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { closeFd, makePipe, readFd, writeFd } from "../../../ffi/fd.ts";
import { POLLIN } from "../../../ffi/poll.ts";
import { FdReactor } from "../../../src/transport/fd-reactor.ts";

/** A thread's context switches so far: each time it wakes from sleep adds one. */
function contextSwitches(tid: number): number {
  const status = readFileSync(`/proc/self/task/${tid}/status`, "utf8");
  return [...status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

describe("FdReactor (epoll waiter Worker)", () => {
  test("a byte on a watched pipe reaches onReady, once per arrival (edge-triggered)", async () => {
    const reactor = new FdReactor();
    const p = makePipe();
    const seen: number[] = [];
    let wake: () => void = () => undefined;
    reactor.add(p.readFd, {
      onReady(rev) {
        const buf = new Uint8Array(16);
        let n = 0;
        for (let r = readFd(p.readFd, buf); r !== "again" && r > 0; r = readFd(p.readFd, buf)) n += r;
        if (rev & POLLIN) seen.push(n);
        wake();
      },
    });
    for (const byte of [1, 2]) {
      const arrived = new Promise<void>((r) => (wake = r));
      const t0 = performance.now();
      writeFd(p.writeFd, new Uint8Array([byte]));
      await arrived;
      expect(performance.now() - t0).toBeLessThan(500);
    }
    reactor.remove(p.readFd);
    closeFd(p.readFd);
    closeFd(p.writeFd);
    expect(seen).toEqual([1, 1]);
  });

  test("waiting wakes nobody: over 1 s with a watched, silent fd the waiter thread sleeps in the kernel and no handler runs", async () => {
    const reactor = new FdReactor();
    const p = makePipe();
    let calls = 0;
    reactor.add(p.readFd, { onReady: () => calls++ });
    for (let i = 0; i < 100 && reactor.waiterTid === undefined; i++) await Bun.sleep(20); // the waiter boots
    const tid = reactor.waiterTid!;
    expect(tid).toBeGreaterThan(0);
    await Bun.sleep(100);
    calls = 0;
    const before = contextSwitches(tid);
    await Bun.sleep(1000);
    // Counted on the waiter's own thread, not timed: a thread that sleeps in epoll_wait is not
    // switched in at all, where a 5 ms polling timer woke the process about 250 times a second.
    const switches = contextSwitches(tid) - before;
    expect(readFileSync(`/proc/self/task/${tid}/stat`, "utf8").split(") ")[1]![0]).toBe("S");
    reactor.stop();
    closeFd(p.readFd);
    closeFd(p.writeFd);
    expect({ calls, switches }).toEqual({ calls: 0, switches: 0 });
  });

  test("after stop() an fd can be watched again (a new waiter starts)", async () => {
    const reactor = new FdReactor();
    const p = makePipe();
    reactor.add(p.readFd, { onReady: () => undefined });
    reactor.stop();
    const arrived = new Promise<number>((resolve) => reactor.add(p.readFd, { onReady: resolve }));
    writeFd(p.writeFd, new Uint8Array([7]));
    expect((await arrived) & POLLIN).toBe(POLLIN);
    reactor.stop();
    closeFd(p.readFd);
    closeFd(p.writeFd);
  });
});
