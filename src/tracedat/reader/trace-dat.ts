// What the reader knows about one trace.dat once its header, metadata and options are read.
// Source of truth: trace-cmd 3.1.6 struct tracecmd_input (the parts report needs).

import type { CpuDataRef, TraceFileParams, TraceMetadata } from "../model.ts";
import type { ByteSource } from "./byte-source.ts";
import type { Decompress } from "./compress.ts";
import type { FileOptions } from "./options.ts";

/** The stage the reader reached; errors carry it in their context. */
export type ReadStage = "header" | "metadata" | "options" | "buffers" | "data";

export interface BufferData {
  /** "" for the top buffer. */
  name: string;
  pageSize: number;
  /** CPUs with their data location; CPUs without data may be absent or have size 0. */
  cpus: CpuDataRef[];
  /** v7: the BUFFER section is flagged compressed, so each CPU's data is chunked. */
  compressed: boolean;
  /** v7: the clock named in the BUFFER option. */
  clock?: string;
}

export interface TraceDat {
  source: ByteSource;
  params: TraceFileParams;
  /** Kernel long size from header_page, used for pages. */
  kernelLongSize: number;
  compression?: { name: string; version: string };
  decompress?: Decompress;
  metadata: TraceMetadata;
  options: FileOptions;
  /** The trace clock text trace-cmd parses: v6 clock block, else the TRACECLOCK option. */
  clockText?: string;
  /** CPU count for the `cpus=` line. */
  cpuCount: number;
  /** Top buffer first, then instances in file order. */
  buffers: BufferData[];
  /** Latency-format files carry text instead of buffers. */
  latencyText?: Uint8Array;
  /** Where an uncompressed kallsyms lies in the file (v6), for reading it in pieces. */
  kallsymsRange?: { offset: number; size: number };
}
