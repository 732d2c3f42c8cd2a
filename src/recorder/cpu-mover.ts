// The per-CPU page mover: trace_pipe_raw → private pipe → sink with non-blocking splice,
// driven by poll with a timeout and a wake pipe; on stop it drains the last partial page
// with non-blocking read() until EAGAIN (bun-ffi-facts §3).

import { closeFd, makePipe, type Pipe, O_CREAT, O_NONBLOCK, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, openFd, readFd, setPipeSize, writeAll } from "../../ffi/fd.ts";
import { POLLIN, PollSet } from "../../ffi/poll.ts";
import { SPLICE_F_MOVE, SPLICE_F_NONBLOCK, spliceOnce } from "../../ffi/splice.ts";
import { inetConnect } from "../../ffi/socket.ts";
import type { CpuSink, StartCpu } from "./cpu-protocol.ts";

const PAGES_PER_SPLICE = 16;
const PIPE_BYTES = 1 << 20;

export type MoverOptions = Pick<StartCpu, "rawPath" | "sourceIsFifo" | "sink" | "wakeFd" | "pageSize" | "pollMs" | "progressMs"> & {
  /** Called once every fd is open, before the first poll. */
  onReady(): void;
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
      return openFd(sink.path, O_WRONLY);
    case "tcp":
    case "udp":
      return inetConnect(sink.ip, sink.port, sink.kind);
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
    const flush = opts.sink.kind === "udp" ? datagramFlusher(opts.pageSize) : flushPipe;
    let bytes = 0;
    let lastProgress = Date.now();
    for (;;) {
      poll.wait(opts.pollMs);
      bytes += moveFullPages(rawFd, pipe, outFd, opts.pageSize, flush);
      if (poll.revents(1) & POLLIN) break;
      if (Date.now() - lastProgress >= opts.progressMs) {
        lastProgress = Date.now();
        opts.onProgress(bytes);
      }
    }
    bytes += moveFullPages(rawFd, pipe, outFd, opts.pageSize, flush);
    const partialBytes = drainPartialPages(rawFd, outFd, opts.pageSize);
    return { bytes: bytes + partialBytes, partialBytes };
  } finally {
    closeFd(rawFd);
    closeFd(pipe.readFd);
    closeFd(pipe.writeFd);
    closeFd(outFd);
  }
}

type Flush = (pipeRead: number, outFd: number, length: number) => void;

/** Splices every page the kernel hands out now; returns the bytes moved. */
function moveFullPages(rawFd: number, pipe: Pipe, outFd: number, pageSize: number, flush: Flush): number {
  let moved = 0;
  for (;;) {
    const n = spliceOnce(rawFd, pipe.writeFd, pageSize * PAGES_PER_SPLICE, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n === "again" || n === 0) return moved;
    flush(pipe.readFd, outFd, n);
    moved += n;
  }
}

/** UDP keeps page boundaries only if each page is its own datagram: read a page, send it. */
function datagramFlusher(pageSize: number): Flush {
  const page = new Uint8Array(pageSize);
  return (pipeRead, outFd, length) => {
    for (let left = length; left > 0; ) {
      const n = readFd(pipeRead, page);
      if (n === "again" || n === 0) continue;
      writeAll(outFd, page.subarray(0, n));
      left -= n;
    }
  };
}

function flushPipe(pipeRead: number, outFd: number, length: number): void {
  let left = length;
  while (left > 0) {
    const n = spliceOnce(pipeRead, outFd, left, SPLICE_F_MOVE);
    if (n === "again" || n === 0) continue; // the sink is momentarily full
    left -= n;
  }
}

/** After tracing stops, read() returns the page still being written, with a partial commit. */
function drainPartialPages(rawFd: number, outFd: number, pageSize: number): number {
  const page = new Uint8Array(pageSize);
  let total = 0;
  for (;;) {
    const n = readFd(rawFd, page);
    if (n === "again" || n === 0) return total;
    writeAll(outFd, page.subarray(0, n));
    total += n;
  }
}
