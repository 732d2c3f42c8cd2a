// `split`: parts of a trace.dat's top buffer as new files: from START to END, cut every N seconds,
// ms, µs, events or pages (pages per CPU), once or repeatedly (-r), for all CPUs in time order or
// CPU by CPU (-c, -C). Records are re-packed into fresh pages; metadata and options are kept.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-split.c parse_cpu(), parse_file(), trace_split().

import { closeFd, O_CREAT, O_TRUNC, O_WRONLY, openFd, writeAll } from "../../ffi/fd.ts";
import { VtraceError } from "../errors.ts";
import { carriedOptions, topClock, writeTraceFile } from "../convert/convert-file.ts";
import { openInputFile } from "../io/file-source.ts";
import { removeFiles } from "../recorder/assemble.ts";
import { PageWriter } from "../ringbuf/page-writer.ts";
import { makeToTime } from "../report/time.ts";
import { bufferCpuPages } from "../tracedat/reader/cpu-pages.ts";
import { CpuRecords } from "../tracedat/reader/cpu-records.ts";
import { openTraceDat } from "../tracedat/reader/open.ts";
import { inFile } from "../tracedat/reader/error-context.ts";
import type { TraceDat } from "../tracedat/reader/trace-dat.ts";

export type SplitUnit = "seconds" | "msecs" | "usecs" | "events" | "pages";

const NS_PER: Record<string, bigint> = { seconds: 1_000_000_000n, msecs: 1_000_000n, usecs: 1000n };

export interface SplitOptions {
  input: string;
  /** Files are OUTPUT.1, or OUTPUT.0001, OUTPUT.0002 ... with repeat. */
  output: string;
  unit?: { kind: SplitUnit; count: number };
  repeat: boolean;
  /** Each CPU on its own (pages always are). */
  perCpu: boolean;
  /** Only this CPU. */
  onlyCpu?: number;
  /** Report time (ns) of the first record to keep; of the last one. */
  startNs?: bigint;
  endNs?: bigint;
}

export interface SplitPart {
  path: string;
  records: number;
}

/** One CPU's records, with each record's report time for the cuts. */
class CpuCursor {
  has = false;
  ts = 0n;

  constructor(
    readonly cpu: number,
    readonly records: CpuRecords,
    readonly toTime: ((ts: bigint, cpu: number) => bigint) | undefined,
  ) {
    this.advance();
  }

  advance(): void {
    this.has = this.records.next();
    if (this.has) this.ts = this.toTime ? this.toTime(this.records.tsRaw, this.cpu) : this.records.tsRaw;
  }
}

export function splitFile(opts: SplitOptions): SplitPart[] {
  return inFile(opts.input, () => splitNamed(opts));
}

function splitNamed(opts: SplitOptions): SplitPart[] {
  using source = openInputFile(opts.input);
  const dat = openTraceDat(source);
  if (dat.latencyText) throw new VtraceError("a latency-format trace: split works on ring-buffer data");
  if (opts.onlyCpu !== undefined && opts.onlyCpu >= dat.cpuCount) throw new VtraceError(`there is no CPU ${opts.onlyCpu} (the file has ${dat.cpuCount})`);
  const cursors = openCursors(dat);
  const parts: SplitPart[] = [];
  for (let n = 1; ; n++) {
    const path = opts.repeat ? `${opts.output}.${String(n).padStart(4, "0")}` : `${opts.output}.1`;
    parts.push({ path, records: writePart(dat, path, cursors, opts, n === 1) });
    if (!opts.repeat || !remains(cursors, opts)) return parts;
  }
}

function openCursors(dat: TraceDat): CpuCursor[] {
  const top = dat.buffers[0];
  const toTime = makeToTime(dat, { rawTs: false, userOffsetNs: 0n, isInstance: false });
  const layout = { littleEndian: dat.params.littleEndian, longSize: dat.kernelLongSize };
  return Array.from({ length: dat.cpuCount }, (_, cpu) => {
    const ref = top?.cpus.find((c) => c.cpu === cpu && c.size > 0);
    const pages = top && ref ? bufferCpuPages(dat, top, ref) : { next: () => undefined, offset: 0 };
    return new CpuCursor(cpu, new CpuRecords(cpu, pages, layout, `cpu${cpu}`), toTime);
  });
}

/** Whether another part would hold a record (within END, on the CPUs split). */
function remains(cursors: CpuCursor[], opts: SplitOptions): boolean {
  return inScope(cursors, opts).some((c) => c.has && (opts.endNs === undefined || c.ts <= opts.endNs));
}

function inScope(cursors: CpuCursor[], opts: SplitOptions): CpuCursor[] {
  return opts.onlyCpu === undefined ? cursors : [cursors[opts.onlyCpu]!];
}

/** Fills one part's CPU pages through temporary files and writes the part; returns its record count. */
function writePart(dat: TraceDat, path: string, cursors: CpuCursor[], opts: SplitOptions, first: boolean): number {
  const cpuFiles = cursors.map((c) => `${path}.cpu${c.cpu}.tmp`);
  const fds = cpuFiles.map((f) => openFd(f, O_WRONLY | O_CREAT | O_TRUNC, 0o600));
  try {
    const layout = { littleEndian: dat.params.littleEndian, longSize: dat.kernelLongSize };
    const writers = fds.map((fd) => new PageWriter(layout, dat.params.pageSize, (page) => writeAll(fd, page)));
    const records = fillPart(cursors, writers, opts, first);
    for (const w of writers) w.flush();
    for (const fd of fds.splice(0)) closeFd(fd);
    const compression = dat.params.version === 7 ? "any" : undefined;
    writeTraceFile({ output: path, fileVersion: dat.params.version, compression }, {
      params: dat.params,
      meta: dat.metadata,
      options: carriedOptions(dat),
      clock: topClock(dat),
      cpuFiles,
    });
    return records;
  } finally {
    for (const fd of fds) closeFd(fd);
    removeFiles(cpuFiles);
  }
}

/** trace-cmd's parse_cpu(): all CPUs merged in time order, or (per CPU, -C) each CPU on its own. */
function fillPart(cursors: CpuCursor[], writers: PageWriter[], opts: SplitOptions, first: boolean): number {
  const start = first ? opts.startNs : undefined;
  const scope = inScope(cursors, opts);
  if (start !== undefined) for (const c of scope) while (c.has && c.ts < start) c.advance();
  if (!opts.perCpu && opts.onlyCpu === undefined) return fillMerged(scope, writers, opts, start);
  return scope.reduce((sum, c) => sum + fillMerged([c], writers, opts, start), 0);
}

/**
 * Writes records of `cursors` in time order (the lowest CPU first on equal times) until END or the
 * unit's limit: N events, N pages per CPU, or the first record past START (else the first record's
 * time) plus N seconds/ms/µs, which stays for the next part.
 */
function fillMerged(cursors: CpuCursor[], writers: PageWriter[], opts: SplitOptions, startNs: bigint | undefined): number {
  const unit = opts.unit;
  let written = 0;
  let c = earliest(cursors);
  const start = startNs ?? c?.ts ?? 0n;
  while (c && (opts.endNs === undefined || c.ts <= opts.endNs)) {
    const w = writers[c.cpu]!;
    const payload = c.records.payload;
    if (unit?.kind === "pages" && w.needsPage(payload.length, c.records.missed) && w.pages + 1 > unit.count) break;
    w.add(c.records.tsRaw, payload, c.records.missed);
    written++;
    c.advance();
    c = earliest(cursors);
    if (unit?.kind === "events" && written >= unit.count) break;
    const per = unit && NS_PER[unit.kind];
    if (per && c && c.ts > start + BigInt(unit.count) * per) break;
  }
  return written;
}

function earliest(cursors: CpuCursor[]): CpuCursor | undefined {
  let best: CpuCursor | undefined;
  for (const c of cursors) if (c.has && (!best || c.ts < best.ts)) best = c;
  return best;
}
