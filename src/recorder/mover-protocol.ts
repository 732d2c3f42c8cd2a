// Everything that crosses the boundary between the recorder (main thread) and its mover threads.

/**
 * Where a stream's pages go: a file (created, truncated), an existing port or FIFO, or a network
 * data port (TCP: a byte stream; UDP: one datagram per page).
 */
export type CpuSink =
  | { kind: "file"; path: string }
  | { kind: "port"; path: string }
  | { kind: "tcp" | "udp"; ip: string; port: number };

/** One stream: a CPU's trace_pipe_raw (or a FIFO carrying a guest CPU's pages) into its sink. */
export interface StreamSpec {
  /** Unique in the process: names the stream in every message. */
  id: number;
  cpu: number;
  /** per_cpu/cpuN/trace_pipe_raw, or a host FIFO carrying a guest's pages. */
  rawPath: string;
  /** A FIFO is opened read-write so it never reports HUP between writers. */
  sourceIsFifo: boolean;
  sink: CpuSink;
  /** Read end of the recording's wake pipe: readable means stop. */
  wakeFd: number;
  pageSize: number;
  /**
   * Move pages at least this often even when the kernel has not woken us (its buffer_percent
   * watermark): for sinks whose reader should see pages while recording. Undefined: only when woken.
   */
  flushMs?: number;
  /** Report bytes moved at most this often (only when pages move). Undefined: never. */
  progressMs?: number;
  /** After stop, how long a sink may take nothing before the stream is given up (tests shorten it). */
  stallMs?: number;
}

/** What a stream ended with. */
export interface StreamResult {
  /** Bytes taken out of the source. */
  bytes: number;
  /** Of those, bytes of the final partial pages read at stop. */
  partialBytes: number;
  /** Bytes that reached the sink. */
  written: number;
  /**
   * Set when the sink's file system filled up (ENOSPC, EDQUOT): nothing more was written after
   * `written` bytes; the source was still emptied (into /dev/null), so its writer never blocks.
   */
  diskFull?: string;
}

export type ToMover = { type: "add"; streams: StreamSpec[]; pinCpu?: number };

export type FromMover =
  | { type: "ready"; id: number; tid: number }
  | { type: "progress"; id: number; bytes: number }
  | { type: "diskFull"; id: number; message: string }
  | ({ type: "done"; id: number } & StreamResult)
  | { type: "failed"; id: number; message: string };

/** The first message a mover thread gets: its control pipe and the port commands come through. */
export interface MoverInit {
  type: "init";
  controlFd: number;
  port: MessagePort;
}
