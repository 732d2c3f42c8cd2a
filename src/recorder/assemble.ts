// Writes the final trace.dat: the v6 head, the flyrecord table, then each CPU's
// recorded pages copied in-kernel from its temporary file (as trace-cmd does).

import { statSync, unlinkSync } from "node:fs";
import { closeFd, copyRange, O_RDONLY, openFd, writeAll } from "../../ffi/fd.ts";
import { type TraceFileParams, type TraceMetadata, type TraceOption, wholePages } from "../tracedat/model.ts";
import { encodeV6Head, layoutFlyrecord } from "../tracedat/writer-v6.ts";

export interface AssembleInput {
  outFd: number;
  params: TraceFileParams;
  meta: TraceMetadata;
  options: readonly TraceOption[];
  clock: string;
  /** Temporary per-CPU files, index = cpu. */
  cpuFiles: readonly string[];
}

export interface AssembledCpu {
  cpu: number;
  offset: number;
  size: number;
}

export function assembleTraceDat(input: AssembleInput): AssembledCpu[] {
  const head = encodeV6Head(input.params, input.meta, input.cpuFiles.length, input.options);
  return appendFlyrecord(input.outFd, head, input.cpuFiles, input.clock, input.params);
}

/**
 * Writes `head` (a v6 file from the magic through the options), then the flyrecord table
 * and each CPU's whole pages from its temporary file. Used by record and by listen.
 */
export function appendFlyrecord(
  outFd: number,
  head: Uint8Array,
  cpuFiles: readonly string[],
  clock: string,
  params: Pick<TraceFileParams, "littleEndian" | "pageSize">,
): AssembledCpu[] {
  const sizes = cpuFiles.map((f) => wholePages(statSync(f).size, params.pageSize));
  const fly = layoutFlyrecord(head.length, sizes, clock, params);
  writeAll(outFd, head);
  writeAll(outFd, fly.table);
  let at = head.length + fly.table.length;
  cpuFiles.forEach((file, cpu) => {
    const size = sizes[cpu]!;
    if (size === 0) return;
    const gap = fly.dataOffsets[cpu]! - at;
    if (gap > 0) writeAll(outFd, new Uint8Array(gap));
    const inFd = openFd(file, O_RDONLY);
    try {
      copyRange(inFd, outFd, size);
    } finally {
      closeFd(inFd);
    }
    at = fly.dataOffsets[cpu]! + size;
  });
  return sizes.map((size, cpu) => ({ cpu, offset: fly.dataOffsets[cpu]!, size }));
}

export function removeFiles(files: readonly string[]): void {
  for (const f of files) {
    try {
      unlinkSync(f);
    } catch {
      // already gone
    }
  }
}
