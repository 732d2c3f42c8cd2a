// Worker entry: one per CPU. All blocking calls (poll, splice, read, write) happen here,
// never on the main thread.

import { pinToCpu, threadId } from "../../ffi/process.ts";
import type { FromCpu, StartCpu } from "./cpu-protocol.ts";
import { runMover } from "./cpu-mover.ts";

declare const self: Worker;

function post(msg: FromCpu): void {
  self.postMessage(msg);
}

self.onmessage = (ev: MessageEvent<StartCpu>) => {
  const start = ev.data;
  try {
    if (start.pin) {
      try {
        pinToCpu(start.cpu);
      } catch {
        // an offline or restricted CPU: record unpinned
      }
    }
    const result = runMover({
      ...start,
      onReady: () => post({ type: "ready", cpu: start.cpu, tid: threadId() }),
      onProgress: (bytes) => post({ type: "progress", cpu: start.cpu, bytes }),
    });
    post({ type: "done", cpu: start.cpu, ...result });
  } catch (e) {
    post({ type: "failed", cpu: start.cpu, message: (e as Error).message });
  }
};
