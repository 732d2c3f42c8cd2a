// The per-CPU page mover: trace_pipe_raw → private pipe → sink with non-blocking splice,
// driven by poll with a timeout and a wake pipe; on stop it drains the last partial page
// with non-blocking read() until EAGAIN (bun-ffi-facts §3). Sinks that can stall (a virtio port, a
// socket) are non-blocking too, so a reader that has gone cannot freeze the Worker in a syscall.

import { closeFd, makePipe, type Pipe, O_CREAT, O_NONBLOCK, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, openFd, readFd, setNonBlocking, setPipeSize, writeFd } from "../../ffi/fd.ts";
import { POLLIN, POLLOUT, PollSet } from "../../ffi/poll.ts";
import { SPLICE_F_MOVE, SPLICE_F_NONBLOCK, spliceOnce } from "../../ffi/splice.ts";
import { inetConnect } from "../../ffi/socket.ts";
import type { CpuSink, StartCpu } from "./cpu-protocol.ts";

const PAGES_PER_SPLICE = 16;
const PIPE_BYTES = 1 << 20;
/** After stop, how long a sink may take nothing before its data is given up (its reader has gone); generous, as a TCG guest under load can pause for seconds. */
export const SINK_STALL_MS = 30_000;
const SINK_POLL_MS = 100;

export type MoverOptions = Pick<StartCpu, "rawPath" | "sourceIsFifo" | "sink" | "wakeFd" | "pageSize" | "pollMs" | "progressMs"> & {
  /** Called once every fd is open, before the first poll. */
  onReady(): void;
  /** SINK_STALL_MS unless a test wants it shorter. */
  stallMs?: number;
  onProgress(bytes: number): void;
};

export interface MoverResult {
  bytes: number;
  /** Bytes of the final partial pages read at stop. */
  partialBytes: number;
}

function openSink(sink: CpuSink): number {
  switch (sink.kind) {
    case "file":
      return openFd(sink.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644);
    case "port":
      // Opened blocking (a FIFO standing in for a port waits for its reader), then made non-blocking.
      return nonBlocking(openFd(sink.path, O_WRONLY));
    case "tcp":
    case "udp":
      return nonBlocking(inetConnect(sink.ip, sink.port, sink.kind));
  }
}

function nonBlocking(fd: number): number {
  setNonBlocking(fd, true);
  return fd;
}

export class SinkStalledError extends Error {}

/**
 * Waits for a full sink to take bytes again. While recording it waits as long as it takes; once the
 * wake pipe says stop, a sink that takes nothing for SINK_STALL_MS is given up on.
 */
class SinkGate {
  readonly #both: PollSet;
  readonly #sinkOnly: PollSet;
  #stopSeenAt = 0;

  constructor(
    readonly outFd: number,
    wakeFd: number,
    readonly stallMs = SINK_STALL_MS,
  ) {
    this.#both = new PollSet([
      { fd: outFd, events: POLLOUT },
      { fd: wakeFd, events: POLLIN },
    ]);
    this.#sinkOnly = new PollSet([{ fd: outFd, events: POLLOUT }]);
  }

  /** Called when a write took nothing (EAGAIN). */
  wait(): void {
    if (this.#stopSeenAt === 0) {
      this.#both.wait(SINK_POLL_MS);
      if ((this.#both.revents(1) & POLLIN) !== 0) this.#stopSeenAt = Date.now();
      return;
    }
    this.#sinkOnly.wait(SINK_POLL_MS);
    if (Date.now() - this.#stopSeenAt > this.stallMs) {
      throw new SinkStalledError(`the sink took nothing for ${this.stallMs} ms after stop: its reader has gone, the rest of this CPU's data is dropped`);
    }
  }

  /** Called when a write took bytes. */
  progress(): void {
    if (this.#stopSeenAt !== 0) this.#stopSeenAt = Date.now();
  }

  /** Writes all of buf, waiting while the sink is full. */
  writeAll(buf: Uint8Array): void {
    for (let at = 0; at < buf.length; ) {
      const n = writeFd(this.outFd, buf.subarray(at));
      if (n === "again") this.wait();
      else {
        at += n;
        this.progress();
      }
    }
  }
}

export function runMover(opts: MoverOptions): MoverResult {
  const rawFd = openFd(opts.rawPath, (opts.sourceIsFifo ? O_RDWR : O_RDONLY) | O_NONBLOCK);
  const pipe = makePipe(O_NONBLOCK);
  const outFd = openSink(opts.sink);
  try {
    try {
      setPipeSize(pipe.writeFd, PIPE_BYTES);
    } catch {
      // a smaller pipe only costs more syscalls
    }
    const poll = new PollSet([
      { fd: rawFd, events: POLLIN },
      { fd: opts.wakeFd, events: POLLIN },
    ]);
    opts.onReady();
    const gate = new SinkGate(outFd, opts.wakeFd, opts.stallMs);
    const flush = opts.sink.kind === "udp" ? datagramFlusher(opts.pageSize, gate) : pipeFlusher(gate);
    let bytes = 0;
    let lastProgress = Date.now();
    for (;;) {
      poll.wait(opts.pollMs);
      bytes += moveFullPages(rawFd, pipe, opts.pageSize, flush);
      if (poll.revents(1) & POLLIN) break;
      if (Date.now() - lastProgress >= opts.progressMs) {
        lastProgress = Date.now();
        opts.onProgress(bytes);
      }
    }
    bytes += moveFullPages(rawFd, pipe, opts.pageSize, flush);
    const partialBytes = drainPartialPages(rawFd, gate, opts.pageSize);
    return { bytes: bytes + partialBytes, partialBytes };
  } finally {
    closeFd(rawFd);
    closeFd(pipe.readFd);
    closeFd(pipe.writeFd);
    closeFd(outFd);
  }
}

type Flush = (pipeRead: number, length: number) => void;

/** Splices every page the kernel hands out now; returns the bytes moved. */
function moveFullPages(rawFd: number, pipe: Pipe, pageSize: number, flush: Flush): number {
  let moved = 0;
  for (;;) {
    const n = spliceOnce(rawFd, pipe.writeFd, pageSize * PAGES_PER_SPLICE, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n === "again" || n === 0) return moved;
    flush(pipe.readFd, n);
    moved += n;
  }
}

/** UDP keeps page boundaries only if each page is its own datagram: read a page, send it. */
function datagramFlusher(pageSize: number, gate: SinkGate): Flush {
  const page = new Uint8Array(pageSize);
  return (pipeRead, length) => {
    for (let left = length; left > 0; ) {
      const n = readFd(pipeRead, page);
      if (n === "again" || n === 0) continue;
      gate.writeAll(page.subarray(0, n));
      left -= n;
    }
  };
}

function pipeFlusher(gate: SinkGate): Flush {
  return (pipeRead, length) => {
    let left = length;
    while (left > 0) {
      const n = spliceOnce(pipeRead, gate.outFd, left, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n === "again" || n === 0) gate.wait(); // the sink is full
      else {
        left -= n;
        gate.progress();
      }
    }
  };
}

/** After tracing stops, read() returns the page still being written, with a partial commit. */
function drainPartialPages(rawFd: number, gate: SinkGate, pageSize: number): number {
  const page = new Uint8Array(pageSize);
  let total = 0;
  for (;;) {
    const n = readFd(rawFd, page);
    if (n === "again" || n === 0) return total;
    gate.writeAll(page.subarray(0, n));
    total += n;
  }
}
