// Main-thread side of one recording: hands its streams (one per CPU) to the process's mover pool,
// learns when each is open, and stops them by writing to the recording's wake pipe (never
// terminate() mid-splice).

import { closeFd, makePipe, writeFd } from "../../ffi/fd.ts";
import { VtraceError } from "../errors.ts";
import type { CpuSink, FromMover, StreamResult } from "./mover-protocol.ts";
import { MoverPool } from "./mover-pool.ts";

export interface CpuResult extends StreamResult {
  cpu: number;
}

export interface RecorderOptions {
  cpus: readonly number[];
  rawPath(cpu: number): string;
  sink(cpu: number): CpuSink;
  pageSize: number;
  /** Sources are FIFOs (host side of a guest), not trace_pipe_raw: open read-write, don't pin. */
  fifoSources?: boolean;
  /** Move pages at least this often (sinks whose reader should see them while recording). */
  flushMs?: number;
  /** How often to report progress (only called when onProgress is given). */
  progressMs?: number;
  onProgress?(cpu: number, bytes: number): void;
  /** A file sink's file system is full: that CPU writes no more; the recording should stop. */
  onDiskFull?(cpu: number, message: string): void;
  /** After stop, how long a sink may take nothing before it is given up. */
  stallMs?: number;
  pool?: MoverPool;
}

/** Starts the process's mover threads now so that a later Recorder.start() does not wait for them to boot. */
export function warmWorkers(count: number): Worker[] {
  return MoverPool.shared().warm(count);
}

const STOP_TIMEOUT_MS = 15_000;

interface Stream {
  cpu: number;
  id: number;
  ready: Promise<number>;
  done: Promise<CpuResult>;
}

export class Recorder {
  private constructor(
    private readonly pool: MoverPool,
    private readonly streams: Stream[],
    private readonly wake: { readFd: number; writeFd: number },
    /** Kernel thread ids of the mover threads serving this recording. */
    readonly threadIds: number[],
  ) {}

  static async start(opts: RecorderOptions): Promise<Recorder> {
    const pool = opts.pool ?? MoverPool.shared();
    const wake = makePipe();
    const watchers = opts.cpus.map((cpu) => watchStream(cpu, opts));
    const ids = pool.add(
      opts.cpus.map((cpu) => ({
        cpu,
        rawPath: opts.rawPath(cpu),
        sourceIsFifo: opts.fifoSources === true,
        sink: opts.sink(cpu),
        wakeFd: wake.readFd,
        pageSize: opts.pageSize,
        flushMs: opts.flushMs,
        progressMs: opts.onProgress ? (opts.progressMs ?? 500) : undefined,
        stallMs: opts.stallMs,
      })),
      (msg) => byId.get(msg.id)!.onMessage(msg),
    );
    const byId = new Map(ids.map((id, i) => [id, watchers[i]!]));
    const streams = watchers.map((w, i) => ({ cpu: opts.cpus[i]!, id: ids[i]!, ready: w.ready, done: w.done }));
    const recorder = new Recorder(pool, streams, wake, []);
    try {
      recorder.threadIds.push(...new Set(await Promise.all(streams.map((s) => s.ready))));
    } catch (e) {
      await recorder.stop().catch(() => undefined);
      throw e;
    }
    return recorder;
  }

  /** Wakes every stream, waits for the last pages, and returns what each CPU wrote. */
  async stop(): Promise<CpuResult[]> {
    writeFd(this.wake.writeFd, new Uint8Array([1]));
    let timer: Timer | undefined;
    const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), STOP_TIMEOUT_MS)));
    try {
      const settled = await Promise.race([Promise.allSettled(this.streams.map((s) => s.done)), timeout]);
      if (settled === "timeout") {
        this.pool.abandon(this.streams.map((s) => s.id));
        throw new VtraceError(`recorder threads did not stop within ${STOP_TIMEOUT_MS} ms`);
      }
      const failed = settled.find((s) => s.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
      return settled.map((s) => (s as PromiseFulfilledResult<CpuResult>).value);
    } finally {
      clearTimeout(timer);
      closeFd(this.wake.readFd);
      closeFd(this.wake.writeFd);
    }
  }
}

function watchStream(cpu: number, opts: RecorderOptions) {
  let onReady!: (tid: number) => void;
  let onReadyFail!: (e: Error) => void;
  let onDone!: (r: CpuResult) => void;
  let onFail!: (e: Error) => void;
  const ready = new Promise<number>((res, rej) => ((onReady = res), (onReadyFail = rej)));
  const done = new Promise<CpuResult>((res, rej) => ((onDone = res), (onFail = rej)));
  ready.catch(() => undefined);
  done.catch(() => undefined);
  const onMessage = (msg: FromMover) => {
    if (msg.type === "ready") onReady(msg.tid);
    else if (msg.type === "progress") opts.onProgress?.(cpu, msg.bytes);
    else if (msg.type === "diskFull") opts.onDiskFull?.(cpu, msg.message);
    else if (msg.type === "done") {
      const { type: _, id: __, ...result } = msg;
      onReady(0); // a stream may finish before anyone waited for it to open
      onDone({ cpu, ...result });
    } else {
      const err = new VtraceError(`cpu${cpu}: ${msg.message}`, { cpu });
      onReadyFail(err);
      onFail(err);
    }
  };
  return { ready, done, onMessage };
}
