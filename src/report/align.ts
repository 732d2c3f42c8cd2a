// --align-ts: every time shifted so the earliest file starts at 0. trace-cmd takes, per file, the
// earliest first-page timestamp of its top buffer (after its own offsets) and subtracts the smallest
// one; a file whose top buffer holds no data counts as 0, which leaves the times as they are.
// Source of truth: trace-cmd 3.1.6 trace-read.c read_data_info() (align_ts), trace-input.c
// tracecmd_get_first_ts() and update_page_info().

import { decodePageHeader } from "../ringbuf/page.ts";
import { bufferCpuPages } from "../tracedat/reader/cpu-pages.ts";
import type { Handle } from "./handles.ts";
import { timeSettings, type StreamOptions } from "./streams.ts";
import { makeToTime } from "./time.ts";

/** The offset --align-ts adds to every handle: minus the smallest first time of the top handles. */
export function alignOffsetNs(tops: readonly Handle[], opts: StreamOptions): bigint {
  let first: bigint | undefined;
  for (const h of tops) {
    const ts = firstPageTime(h, opts);
    if (first === undefined || ts < first) first = ts;
  }
  return -(first ?? 0n);
}

/** tracecmd_get_first_ts(): the smallest first-page time over the CPUs with data; 0 when none has any. */
function firstPageTime(h: Handle, opts: StreamOptions): bigint {
  const { dat } = h.input;
  const toTime = makeToTime(dat, timeSettings(h, opts));
  let first: bigint | undefined;
  for (const ref of h.buffer.cpus) {
    if (ref.size === 0) continue;
    const page = bufferCpuPages(dat, h.buffer, ref).next();
    if (!page) continue;
    const raw = decodePageHeader(page, { littleEndian: dat.params.littleEndian, longSize: dat.kernelLongSize }).ts;
    const ts = toTime ? toTime(raw, ref.cpu) : raw;
    if (first === undefined || ts < first) first = ts;
  }
  return first ?? 0n;
}
