// Worker entry: one mover thread of the pool. It never returns to its event loop: it runs the
// poll loop over its streams for good, and takes commands synchronously from its MessagePort when
// the main thread writes a byte into its control pipe (a thread blocked in poll() cannot receive
// ordinary messages).

import { receiveMessageOnPort } from "node:worker_threads";
import { readFd } from "../../ffi/fd.ts";
import { pinToCpu, threadId } from "../../ffi/process.ts";
import { MoverLoop } from "./mover-loop.ts";
import type { FromMover, MoverInit, ToMover } from "./mover-protocol.ts";

declare const self: Worker;

function post(msg: FromMover): void {
  self.postMessage(msg);
}

function pin(cpu: number): void {
  try {
    pinToCpu(cpu);
  } catch {
    // an offline or restricted CPU: move unpinned
  }
}

self.onmessage = (ev: MessageEvent<MoverInit>) => {
  const { controlFd, port } = ev.data;
  const tid = threadId();
  const loop = new MoverLoop({
    ready: (id) => post({ type: "ready", id, tid }),
    progress: (id, bytes) => post({ type: "progress", id, bytes }),
    diskFull: (id, message) => post({ type: "diskFull", id, message }),
    done: (id, result) => post({ type: "done", id, ...result }),
    failed: (id, message) => post({ type: "failed", id, message }),
  });
  const bytes = new Uint8Array(64);
  // One control byte follows each command; a byte seen before its command is delivered means
  // "look again shortly", never "sleep".
  let announced = 0;
  let received = 0;
  for (;;) {
    if (loop.turn(controlFd, announced > received ? 1 : -1)) {
      const n = readFd(controlFd, bytes);
      if (typeof n === "number") announced += n;
    }
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
      received++;
      const cmd = m.message as ToMover;
      if (cmd.pinCpu !== undefined) pin(cmd.pinCpu);
      for (const spec of cmd.streams) loop.add(spec);
    }
  }
};
