// The process's mover threads: a small pool (at most one per core, and never more than
// MAX_MOVERS), each serving many streams from one poll(), shared by every recording the process
// makes (a virt-server's guests, record's CPUs, the agent's sessions). A stream is a CPU's
// trace_pipe_raw or a guest CPU's FIFO; a thread costs a JavaScript heap, a stream only its fds.

import os from "node:os";
import { closeFd, makePipe, O_NONBLOCK, type Pipe, writeFd } from "../../ffi/fd.ts";
import { MOVER_WORKER_URL } from "../worker-urls.ts";
import type { FromMover, MoverInit, StreamSpec, ToMover } from "./mover-protocol.ts";

/** Enough to drain ~8 GB/s at the measured ~1 ms of CPU per MB; more threads only cost memory. */
export const MAX_MOVERS = 8;

export type StreamListener = (msg: FromMover) => void;

interface MoverThread {
  index: number;
  worker: Worker;
  control: Pipe;
  port: MessagePort;
  streams: Set<number>;
  pinned: boolean;
}

export class MoverPool {
  static #shared: MoverPool | undefined;
  readonly #threads: (MoverThread | undefined)[] = [];
  readonly #listeners = new Map<number, StreamListener>();
  #nextId = 1;

  constructor(readonly limit = Math.max(1, Math.min(os.availableParallelism(), MAX_MOVERS))) {}

  /** The pool every recording of this process shares. */
  static shared(): MoverPool {
    return (MoverPool.#shared ??= new MoverPool());
  }

  /** Starts up to `count` threads now (a Worker boots slowly in a TCG guest); returns them. */
  warm(count: number): Worker[] {
    for (let i = 0; i < Math.min(count, this.limit); i++) this.#thread(i);
    return this.#threads.flatMap((t) => (t ? [t.worker] : []));
  }

  get threadCount(): number {
    return this.#threads.filter((t) => t !== undefined).length;
  }

  /**
   * Hands streams to threads: a CPU's trace_pipe_raw to thread cpu % limit (pinned to that CPU
   * when every CPU has its own thread), a FIFO to the least busy thread. Returns the stream ids.
   */
  add(specs: readonly Omit<StreamSpec, "id">[], listener: StreamListener): number[] {
    const batches = new Map<MoverThread, StreamSpec[]>();
    const ids = specs.map((s) => {
      const id = this.#nextId++;
      const thread = s.sourceIsFifo ? this.#leastBusy() : this.#thread(s.cpu % this.limit);
      thread.streams.add(id);
      thread.worker.ref();
      this.#listeners.set(id, listener);
      batches.set(thread, [...(batches.get(thread) ?? []), { ...s, id }]);
      return id;
    });
    for (const [thread, streams] of batches) {
      const pinCpu = !thread.pinned && !streams[0]!.sourceIsFifo && this.limit === os.cpus().length ? thread.index : undefined;
      if (pinCpu !== undefined) thread.pinned = true;
      this.#send(thread, { type: "add", streams, pinCpu });
    }
    return ids;
  }

  /** Ends the threads serving these streams (they did not stop in time); their other streams fail. */
  abandon(ids: readonly number[]): void {
    for (const t of this.#threads) if (t && ids.some((id) => t.streams.has(id))) this.#lose(t, "its mover thread was stopped: it did not finish in time");
  }

  #leastBusy(): MoverThread {
    const active = this.#threads.reduce((n, t) => n + (t?.streams.size ?? 0), 0);
    const usable = Math.min(this.limit, active + 1);
    let best = 0;
    for (let i = 1; i < usable; i++) if ((this.#threads[i]?.streams.size ?? 0) < (this.#threads[best]?.streams.size ?? 0)) best = i;
    return this.#thread(best);
  }

  #thread(index: number): MoverThread {
    const have = this.#threads[index];
    if (have) return have;
    const worker = new Worker(MOVER_WORKER_URL);
    const control = makePipe(O_NONBLOCK);
    const channel = new MessageChannel();
    const thread: MoverThread = { index, worker, control, port: channel.port1, streams: new Set(), pinned: false };
    worker.onmessage = (ev: MessageEvent<FromMover>) => this.#deliver(thread, ev.data);
    worker.onerror = (ev) => this.#lose(thread, `mover thread crashed: ${ev.message}`);
    worker.addEventListener("close", () => {
      this.#lose(thread, "its mover thread ended");
      // Only now: a closed fd number could be reused while the thread still polls it.
      closeFd(control.readFd);
      closeFd(control.writeFd);
    });
    const init: MoverInit = { type: "init", controlFd: control.readFd, port: channel.port2 };
    worker.postMessage(init, [channel.port2]);
    // An idle thread must not keep the process alive (it sleeps in poll() for good); one with
    // streams does (also: Bun spins at ~50% CPU awaiting with only signal handlers referenced).
    worker.unref();
    this.#threads[index] = thread;
    return thread;
  }

  #send(thread: MoverThread, cmd: ToMover): void {
    thread.port.postMessage(cmd);
    // A full control pipe already holds enough bytes to wake the thread.
    writeFd(thread.control.writeFd, new Uint8Array([1]));
  }

  #deliver(thread: MoverThread, msg: FromMover): void {
    const listener = this.#listeners.get(msg.id);
    if (msg.type === "done" || msg.type === "failed") {
      thread.streams.delete(msg.id);
      this.#listeners.delete(msg.id);
      if (thread.streams.size === 0) thread.worker.unref();
    }
    listener?.(msg);
  }

  /** A thread that crashed or was ended: its streams fail, and the next add starts a new one. */
  #lose(thread: MoverThread, message: string): void {
    if (this.#threads[thread.index] !== thread) return;
    this.#threads[thread.index] = undefined;
    for (const id of thread.streams) {
      const listener = this.#listeners.get(id);
      this.#listeners.delete(id);
      listener?.({ type: "failed", id, message });
    }
    thread.streams.clear();
    thread.worker.terminate();
    thread.port.close();
  }
}
