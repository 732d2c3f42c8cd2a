// Main-thread side of recording: starts one Worker per CPU, learns their thread ids,
// and stops them by writing to a shared wake pipe (never terminate() mid-splice).

import { closeFd, makePipe, writeFd } from "../../ffi/fd.ts";
import { VtraceError } from "../errors.ts";
import { CPU_WORKER_URL } from "../worker-urls.ts";
import type { CpuSink, FromCpu, StartCpu } from "./cpu-protocol.ts";

export interface CpuResult {
  cpu: number;
  bytes: number;
  partialBytes: number;
}

export interface RecorderOptions {
  cpus: readonly number[];
  rawPath(cpu: number): string;
  sink(cpu: number): CpuSink;
  pageSize: number;
  /** Sources are FIFOs (host side of a guest), not trace_pipe_raw: open read-write, don't pin. */
  fifoSources?: boolean;
  pollMs?: number;
  progressMs?: number;
  onProgress?(cpu: number, bytes: number): void;
  /** Workers started ahead of time (a Worker takes a while to boot in a slow guest); used first. */
  warmWorkers?: Worker[];
}

/** Starts Workers now so that a later Recorder.start() does not wait for them to boot. */
export function warmWorkers(count: number): Worker[] {
  return Array.from({ length: count }, () => new Worker(CPU_WORKER_URL));
}

const STOP_TIMEOUT_MS = 15_000;

interface CpuWorker {
  cpu: number;
  worker: Worker;
  done: Promise<CpuResult>;
}

export class Recorder {
  private constructor(
    private readonly workers: CpuWorker[],
    private readonly wake: { readFd: number; writeFd: number },
    /** Kernel thread ids of the per-CPU Workers. */
    readonly threadIds: number[],
  ) {}

  static async start(opts: RecorderOptions): Promise<Recorder> {
    const wake = makePipe();
    const workers: CpuWorker[] = [];
    const ready: Promise<number>[] = [];
    for (const cpu of opts.cpus) {
      const worker = opts.warmWorkers?.shift() ?? new Worker(CPU_WORKER_URL);
      const { readyTid, done } = watchWorker(worker, cpu, opts);
      ready.push(readyTid);
      workers.push({ cpu, worker, done });
      const start: StartCpu = {
        type: "start",
        cpu,
        rawPath: opts.rawPath(cpu),
        sourceIsFifo: opts.fifoSources === true,
        sink: opts.sink(cpu),
        wakeFd: wake.readFd,
        pageSize: opts.pageSize,
        pollMs: opts.pollMs ?? 500,
        progressMs: opts.progressMs ?? 500,
        pin: opts.fifoSources !== true,
      };
      worker.postMessage(start);
    }
    const recorder = new Recorder(workers, wake, []);
    try {
      recorder.threadIds.push(...(await Promise.all(ready)));
    } catch (e) {
      await recorder.stop().catch(() => undefined);
      throw e;
    }
    return recorder;
  }

  /** Wakes every Worker, waits for the last pages, and returns what each CPU wrote. */
  async stop(): Promise<CpuResult[]> {
    writeFd(this.wake.writeFd, new Uint8Array([1]));
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new VtraceError(`recorder threads did not stop within ${STOP_TIMEOUT_MS} ms`)), STOP_TIMEOUT_MS).unref(),
    );
    try {
      const settled = await Promise.race([Promise.allSettled(this.workers.map((w) => w.done)), timeout]);
      const failed = settled.find((s) => s.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
      return settled.map((s) => (s as PromiseFulfilledResult<CpuResult>).value);
    } finally {
      for (const w of this.workers) w.worker.terminate();
      closeFd(this.wake.readFd);
      closeFd(this.wake.writeFd);
    }
  }
}

function watchWorker(worker: Worker, cpu: number, opts: RecorderOptions) {
  let onReady!: (tid: number) => void;
  let onReadyFail!: (e: Error) => void;
  const readyTid = new Promise<number>((res, rej) => {
    onReady = res;
    onReadyFail = rej;
  });
  const done = new Promise<CpuResult>((resolve, reject) => {
    worker.onmessage = (ev: MessageEvent<FromCpu>) => {
      const msg = ev.data;
      if (msg.type === "ready") onReady(msg.tid);
      else if (msg.type === "progress") opts.onProgress?.(msg.cpu, msg.bytes);
      else if (msg.type === "done") resolve({ cpu: msg.cpu, bytes: msg.bytes, partialBytes: msg.partialBytes });
      else {
        const err = new VtraceError(`cpu${cpu}: ${msg.message}`, { cpu });
        onReadyFail(err);
        reject(err);
      }
    };
    worker.onerror = (ev) => {
      const err = new VtraceError(`cpu${cpu} recorder thread crashed: ${ev.message}`, { cpu });
      onReadyFail(err);
      reject(err);
    };
  });
  done.catch(() => undefined);
  return { readyTid, done };
}
