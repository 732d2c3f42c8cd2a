// One stream's page mover, as a state machine a mover thread drives from its poll loop:
// source → private pipe → sink with non-blocking splice (zero-copy), never blocking in a syscall, so
// one thread can serve many streams. A sink that is full (a virtio port, a socket) parks the stream
// until the sink polls writable; pages wait in the private pipe meanwhile. On stop it moves the full
// pages, then reads the last partial page with non-blocking read() until EAGAIN.
// A file sink whose file system fills up (ENOSPC, EDQUOT) ends the stream with what reached it.

import { closeFd, makePipe, type Pipe, O_CREAT, O_NONBLOCK, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, openFd, readFd, setNonBlocking, setPipeSize, writeFd } from "../../ffi/fd.ts";
import { POLLIN, POLLOUT } from "../../ffi/poll.ts";
import { SPLICE_F_MOVE, SPLICE_F_NONBLOCK, spliceOnce } from "../../ffi/splice.ts";
import { inetConnect } from "../../ffi/socket.ts";
import { isDiskFull } from "./disk-full.ts";
import type { CpuSink, StreamResult, StreamSpec } from "./mover-protocol.ts";

const PAGES_PER_SPLICE = 16;
const PIPE_BYTES = 1 << 20;
/** After stop, how long a sink may take nothing before its data is given up (its reader has gone); generous, as a TCG guest under load can pause for seconds. */
export const SINK_STALL_MS = 30_000;

export class SinkStalledError extends Error {}

type Phase = "running" | "draining" | "done";

export class StreamMover {
  readonly rawFd: number;
  outFd: number;
  readonly #pipe: Pipe;
  readonly #udp: boolean;
  readonly #page: Uint8Array;
  /** Bytes in the private pipe that the sink has not taken yet. */
  #pending = 0;
  /** Bytes read into user space (a UDP datagram, a partial page) that the sink has not taken yet. */
  #held: Uint8Array | undefined;
  /** Draining: the full pages are out; now reading the partial ones. */
  #readingPartials = false;
  /** Draining: when the sink last took bytes (or stop came). */
  #sinkActiveAt = 0;
  #lastMoveAt = 0;
  #lastProgressAt = 0;
  #reportedBytes = 0;
  #diskFullNotice: string | undefined;
  phase: Phase = "running";
  readonly result: StreamResult = { bytes: 0, partialBytes: 0, written: 0 };

  constructor(readonly spec: StreamSpec) {
    this.rawFd = openFd(spec.rawPath, (spec.sourceIsFifo ? O_RDWR : O_RDONLY) | O_NONBLOCK);
    try {
      this.#pipe = makePipe(O_NONBLOCK);
    } catch (e) {
      closeFd(this.rawFd);
      throw e;
    }
    try {
      this.outFd = openSink(spec.sink);
    } catch (e) {
      for (const fd of [this.rawFd, this.#pipe.readFd, this.#pipe.writeFd]) closeFd(fd);
      throw e;
    }
    try {
      setPipeSize(this.#pipe.writeFd, PIPE_BYTES);
    } catch {
      // a smaller pipe only costs more syscalls
    }
    this.#udp = spec.sink.kind === "udp";
    this.#page = new Uint8Array(spec.pageSize);
    this.#lastMoveAt = this.#lastProgressAt = Date.now();
  }

  /** The fd and events to poll for, or undefined when nothing is awaited (done, or draining on). */
  interest(): { fd: number; events: number } | undefined {
    if (this.phase === "done") return undefined;
    if (this.#sinkBlocked()) return { fd: this.outFd, events: POLLOUT };
    return this.phase === "running" ? { fd: this.rawFd, events: POLLIN } : undefined;
  }

  /** When this stream needs servicing without an fd event (ms since epoch), if ever. */
  deadline(): number | undefined {
    if (this.phase === "draining") return this.#sinkBlocked() ? this.#sinkActiveAt + (this.spec.stallMs ?? SINK_STALL_MS) : undefined;
    if (this.phase === "running" && this.spec.flushMs !== undefined && !this.#sinkBlocked()) return this.#lastMoveAt + this.spec.flushMs;
    return undefined;
  }

  /** The wake pipe said stop: from now on the stream runs until its source is empty. */
  stop(now: number): void {
    if (this.phase !== "running") return;
    this.phase = "draining";
    this.#sinkActiveAt = now;
  }

  /** Moves what can move without blocking; throws SinkStalledError when a draining sink gave up. */
  service(now: number): void {
    if (this.phase === "done") return;
    try {
      this.#move(now);
    } catch (e) {
      if (this.spec.sink.kind !== "file" || !isDiskFull(e) || this.result.diskFull !== undefined) throw e;
      this.#discardFromNowOn((e as Error).message);
      this.#move(now);
    }
    if (this.phase === "draining" && this.#sinkBlocked() && now - this.#sinkActiveAt > (this.spec.stallMs ?? SINK_STALL_MS)) {
      throw new SinkStalledError(`the sink took nothing for ${this.spec.stallMs ?? SINK_STALL_MS} ms after stop: its reader has gone, the rest of this CPU's data is dropped`);
    }
  }

  /** The disk-full message, once, right after the disk filled. */
  takeDiskFullNotice(): string | undefined {
    const notice = this.#diskFullNotice;
    this.#diskFullNotice = undefined;
    return notice;
  }

  /**
   * The file system is full: what reached the file stays; the rest goes to /dev/null, so the
   * source (a guest's FIFO) keeps flowing until the recording stops.
   */
  #discardFromNowOn(message: string): void {
    this.result.diskFull = this.#diskFullNotice = message;
    closeFd(this.outFd);
    this.outFd = openFd("/dev/null", O_WRONLY);
    this.#held = undefined; // a partial page that did not fit is dropped with the rest
  }

  /** Bytes moved since the last report, when a report is due. */
  progressDue(now: number): number | undefined {
    const every = this.spec.progressMs;
    if (every === undefined || this.result.bytes === this.#reportedBytes || now - this.#lastProgressAt < every) return undefined;
    this.#lastProgressAt = now;
    this.#reportedBytes = this.result.bytes;
    return this.result.bytes;
  }

  close(): void {
    for (const fd of [this.rawFd, this.#pipe.readFd, this.#pipe.writeFd, this.outFd]) closeFd(fd);
  }

  #sinkBlocked(): boolean {
    return this.#pending > 0 || this.#held !== undefined;
  }

  #move(now: number): void {
    this.#lastMoveAt = now;
    if (!this.#flush()) return;
    if (!this.#readingPartials && !this.#moveFullPages()) return;
    if (this.phase !== "draining") return;
    this.#readingPartials = true;
    if (this.#drainPartialPages()) this.phase = "done";
  }

  /** Splices every page the source hands out now; false when the sink filled up first. */
  #moveFullPages(): boolean {
    for (;;) {
      const n = spliceOnce(this.rawFd, this.#pipe.writeFd, this.spec.pageSize * PAGES_PER_SPLICE, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n === "again" || n === 0) return true;
      this.#pending += n;
      this.result.bytes += n;
      if (!this.#flush()) return false;
    }
  }

  /** After tracing stops, read() returns the page still being written; true once the source is empty. */
  #drainPartialPages(): boolean {
    for (;;) {
      const n = readFd(this.rawFd, this.#page);
      if (n === "again" || n === 0) return true;
      this.result.bytes += n;
      this.result.partialBytes += n;
      this.#held = this.#page.subarray(0, n);
      if (!this.#flush()) return false;
    }
  }

  /** Hands the sink everything pending; false when it is full (then poll for POLLOUT). */
  #flush(): boolean {
    for (;;) {
      if (this.#held && !this.#writeHeld()) return false;
      if (this.#pending === 0) return true;
      if (this.#udp) {
        // UDP keeps page boundaries only if each page is its own datagram: read a page, send it.
        const n = readFd(this.#pipe.readFd, this.#page);
        if (n === "again" || n === 0) throw new Error(`private pipe lost ${this.#pending} bytes`);
        this.#pending -= n;
        this.#held = this.#page.subarray(0, n);
        continue;
      }
      const n = spliceOnce(this.#pipe.readFd, this.outFd, this.#pending, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n === "again" || n === 0) return false;
      this.#pending -= n;
      this.#tookBytes(n);
    }
  }

  #writeHeld(): boolean {
    let held = this.#held!;
    while (held.length > 0) {
      const n = writeFd(this.outFd, held);
      if (n === "again") {
        this.#held = held;
        return false;
      }
      held = held.subarray(n);
      this.#tookBytes(n);
    }
    this.#held = undefined;
    return true;
  }

  #tookBytes(n: number): void {
    if (this.result.diskFull === undefined) this.result.written += n;
    this.#sinkActiveAt = Date.now();
  }
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
