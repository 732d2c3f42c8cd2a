// `convert`: a trace.dat rewritten as v6 or v7 (any compression): the same metadata, options and
// pages, every buffer instance included. Each CPU's pages go through a temporary file (decompressed
// when the input is v7), then the recorder's writers assemble the output.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-convert.c, trace-output.c tracecmd_copy().

import { existsSync, realpathSync, renameSync, statSync } from "node:fs";
import { closeFd, O_CREAT, O_TRUNC, O_WRONLY, openFd, writeAll } from "../../ffi/fd.ts";
import { UsageError, VtraceError } from "../errors.ts";
import { isDiskFull } from "../recorder/disk-full.ts";
import { openInputFile } from "../io/file-source.ts";
import { assembleTraceDat, assembleTraceDatV7, type AssembleInput, type CompressProgress, NoRoomError, removeFiles } from "../recorder/assemble.ts";
import { parseClockName } from "../report/time.ts";
import { compressorFor, type CompressionName } from "../tracedat/compressors.ts";
import * as M from "../tracedat/model.ts";
import { bufferCpuPages } from "../tracedat/reader/cpu-pages.ts";
import { openTraceDat } from "../tracedat/reader/open.ts";
import { inFile } from "../tracedat/reader/error-context.ts";
import { SECTION_IDS } from "../tracedat/reader/options.ts";
import type { BufferData, TraceDat } from "../tracedat/reader/trace-dat.ts";

export interface ConvertOptions {
  input: string;
  output: string;
  /** Default: the input's version (and, for v7, its compression). */
  fileVersion?: 6 | 7;
  compression?: CompressionName;
  onCompress?: CompressProgress;
  /** Changes the options the output keeps (attach adds GUEST and TIME_SHIFT). */
  editOptions?: (carried: M.TraceOption[]) => M.TraceOption[];
}

export interface ConvertSummary {
  /** Buffers written, the top one included. */
  buffers: number;
  /** Pages of CPU data copied. */
  pages: number;
}

/** Options the writers make anew: framing, section pointers and buffer descriptions. */
const REBUILT = new Set([M.TRACECMD_OPTION_DONE, M.TRACECMD_OPTION_BUFFER, M.TRACECMD_OPTION_STRINGS, M.TRACECMD_OPTION_BUFFER_TEXT, ...SECTION_IDS]);

export function convertFile(opts: ConvertOptions): ConvertSummary {
  if (existsSync(opts.input) && existsSync(opts.output) && realpathSync(opts.output) === realpathSync(opts.input)) {
    throw new UsageError(`the output '${opts.output}' is the input file`);
  }
  try {
    return inFile(opts.input, () => convertNamed(opts));
  } catch (e) {
    // The input is whole and the partial output is gone: say where the disk ran out, not the input's name.
    if (isDiskFull(e) || e instanceof NoRoomError) throw new VtraceError(`disk full writing '${opts.output}': nothing written, '${opts.input}' is unchanged`);
    throw e;
  }
}

function convertNamed(opts: ConvertOptions): ConvertSummary {
  using source = openInputFile(opts.input);
  const dat = openTraceDat(source);
  if (dat.latencyText) throw new VtraceError("a latency-format trace (text, no buffers): nothing to convert");
  const clock = topClock(dat);
  const temp: string[] = [];
  const tally = { pages: 0 };
  try {
    const buffers = dat.buffers.map((b, i) => ({ name: b.name, clock: b.clock ?? clock, cpuFiles: spillPages(dat, b, `${opts.output}.convert-b${i}`, temp, tally) }));
    const [top, ...instances] = buffers;
    const fileVersion = opts.fileVersion ?? dat.params.version;
    const compression = opts.compression ?? (opts.fileVersion === undefined ? inputCompression(dat) : undefined);
    writeTraceFile({ ...opts, fileVersion, compression }, {
      params: { ...dat.params, version: fileVersion },
      meta: dat.metadata,
      options: (opts.editOptions ?? ((o) => o))(carriedOptions(dat)),
      clock: top?.clock ?? clock,
      cpuFiles: top?.cpuFiles ?? [],
      instances,
    });
    return { buffers: buffers.length, pages: tally.pages };
  } finally {
    removeFiles(temp);
  }
}

/** A v7 input's compression, to keep it ("none" when its sections are not compressed). */
function inputCompression(dat: TraceDat): CompressionName | undefined {
  const name = dat.compression?.name;
  return name === "zstd" || name === "zlib" ? name : dat.params.version === 7 ? "none" : undefined;
}

/** The input's options a rewritten file keeps (all but those the writers make anew). */
export function carriedOptions(dat: TraceDat): M.TraceOption[] {
  return dat.options.stored.filter((o) => !REBUILT.has(o.id));
}

/** The clock named for the top buffer: the trace clock text's, else the v7 BUFFER option's. */
export function topClock(dat: TraceDat): string {
  return parseClockName(dat.clockText) ?? dat.buffers[0]?.clock ?? "local";
}

/** Writes each CPU's pages of one buffer (decompressed) to `${base}.cpuN`, one file per CPU of the file. */
function spillPages(dat: TraceDat, buffer: BufferData, base: string, temp: string[], tally: { pages: number }): string[] {
  return Array.from({ length: dat.cpuCount }, (_, cpu) => {
    const path = `${base}.cpu${cpu}`;
    temp.push(path);
    const fd = openFd(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600);
    try {
      const ref = buffer.cpus.find((c) => c.cpu === cpu && c.size > 0);
      if (ref) tally.pages += copyPages(dat, buffer, ref, fd);
    } finally {
      closeFd(fd);
    }
    return path;
  });
}

/** Copies one CPU's pages; returns how many. */
function copyPages(dat: TraceDat, buffer: BufferData, ref: M.CpuDataRef, fd: number): number {
  const pages = bufferCpuPages(dat, buffer, ref);
  let count = 0;
  for (let page = pages.next(); page; page = pages.next(), count++) writeAll(fd, page);
  return count;
}

/**
 * Assembles the output file; a failure removes it. The v6 writer keeps what fits on a full disk
 * (right for a recording, whose data exists nowhere else); a conversion's input still holds it
 * all, so a converted file missing pages is a failure, not a smaller result.
 */
export function writeTraceFile(opts: Pick<ConvertOptions, "output" | "fileVersion" | "compression" | "onCompress">, input: Omit<AssembleInput, "outFd">): void {
  const outFd = openFd(opts.output, O_WRONLY | O_CREAT | O_TRUNC, 0o644);
  try {
    if (opts.fileVersion === 7) assembleTraceDatV7({ ...input, outFd }, compressorFor(opts.compression ?? "any"), opts.onCompress);
    else {
      const files = [...input.cpuFiles, ...(input.instances ?? []).flatMap((b) => b.cpuFiles)];
      const spilled = files.reduce((sum, f) => sum + M.wholePages(statSync(f).size, input.params.pageSize), 0);
      let placed = 0;
      assembleTraceDat({ ...input, outFd, onPlaced: (cpus) => (placed += cpus.reduce((sum, c) => sum + c.size, 0)) });
      if (placed < spilled) throw new VtraceError(`disk full writing '${opts.output}': only ${placed} of ${spilled} bytes of pages fit; nothing written`);
    }
  } catch (e) {
    removeFiles([opts.output]);
    throw e;
  } finally {
    closeFd(outFd);
  }
}

/**
 * Rewrites `path` in place (through a temporary file beside it, renamed over it): the guest files of
 * `record -A --file-version 7`, which the host writes as v6 while the guests stream.
 */
export function convertInPlace(path: string, opts: Omit<ConvertOptions, "input" | "output">): ConvertSummary {
  const temp = `${path}.convert.tmp`;
  try {
    const summary = convertFile({ ...opts, input: path, output: temp });
    renameSync(temp, path);
    return summary;
  } finally {
    removeFiles([temp]);
  }
}
