// Everything that crosses the boundary between the recorder and its per-CPU Workers.

/**
 * Where a CPU's pages go: a file (created, truncated), an existing port or FIFO, or a network
 * data port (TCP: a byte stream; UDP: one datagram per page).
 */
export type CpuSink =
  | { kind: "file"; path: string }
  | { kind: "port"; path: string }
  | { kind: "tcp" | "udp"; ip: string; port: number };

export interface StartCpu {
  type: "start";
  cpu: number;
  /** per_cpu/cpuN/trace_pipe_raw, or a host FIFO carrying a guest's pages. */
  rawPath: string;
  /** A FIFO is opened read-write so it never reports HUP between writers. */
  sourceIsFifo: boolean;
  sink: CpuSink;
  /** Read end of the wake pipe: readable means stop. */
  wakeFd: number;
  pageSize: number;
  pollMs: number;
  progressMs: number;
  pin: boolean;
}

export type FromCpu =
  | { type: "ready"; cpu: number; tid: number }
  | { type: "progress"; cpu: number; bytes: number }
  | { type: "done"; cpu: number; bytes: number; partialBytes: number }
  | { type: "failed"; cpu: number; message: string };
