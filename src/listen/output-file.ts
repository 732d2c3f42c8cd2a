// Turns what a listen client sent (trace.dat metadata + per-CPU files) into NAME.HOST:PORT.dat.

import { closeSync, openSync, rmSync, statSync } from "node:fs";
import { copyRange, writeAll } from "../../ffi/fd.ts";
import { lastDoneNextOffset, layoutV7Tail } from "../tracedat/writer-v7-buffer.ts";
import { FormatError } from "../errors.ts";
import { ByteWriter } from "../lib/writer.ts";
import { appendFlyrecord } from "../recorder/assemble.ts";
import { memorySource } from "../tracedat/reader/byte-source.ts";
import { decodeInitialHeader } from "../tracedat/reader/header.ts";
import { openTraceDat } from "../tracedat/reader/open.ts";
import type { TraceDat } from "../tracedat/reader/trace-dat.ts";
import { selectedClock, wholePages } from "../tracedat/model.ts";

export interface ReceivedTrace {
  /** v6 metadata: from the magic through the options' DONE. */
  head: Uint8Array;
  cpuFiles: string[];
}

interface HeadFacts {
  littleEndian: boolean;
  pageSize: number;
  clock: string;
}

/** Parses a v6 head (magic … options) by reading it with an empty flyrecord table behind. */
export function openV6Head(head: Uint8Array, cpus: number): TraceDat {
  const probe = new Uint8Array(head.length + 10 + cpus * 16 + 8 + 64);
  probe.set(head);
  probe.set(new TextEncoder().encode("flyrecord"), head.length);
  const dat = openTraceDat(memorySource(probe));
  if (dat.params.version !== 6) throw new FormatError(`expected trace.dat version 6 metadata, got ${dat.params.version}`);
  return dat;
}

/** Reads page size, byte order and clock from a v6 head. */
export function headFacts(head: Uint8Array, cpus: number): HeadFacts {
  const dat = openV6Head(head, cpus);
  const clock = selectedClock(dat.options.traceClock);
  return { littleEndian: dat.params.littleEndian, pageSize: dat.params.pageSize, clock };
}

/** v1 clients send the metadata without the CPU count and options: add them. */
export function completeV1Head(metadata: Uint8Array, cpus: number, littleEndian: boolean): Uint8Array {
  const w = new ByteWriter(littleEndian, metadata.length + 32);
  w.bytes(metadata).u32(cpus).text("options  ").u8(0).u16(0);
  return w.finish();
}

/** Writes the file, or removes what it began and throws: no half-written trace is left behind. */
export function writeReceivedTrace(path: string, trace: ReceivedTrace): void {
  const fd = openSync(path, "w", 0o644);
  try {
    if (trace.head[10] === 0x37 /* "7" */) writeV7(fd, trace);
    else {
      const facts = headFacts(trace.head, trace.cpuFiles.length);
      appendFlyrecord(fd, trace.head, trace.cpuFiles, facts.clock, facts);
    }
  } catch (e) {
    closeSync(fd);
    rmSync(path, { force: true });
    throw e;
  }
  closeSync(fd);
  // The head (several MB with kallsyms) and the copies parsing it made are garbage now. A server
  // closing many recordings at once (32 guests ending a session) would otherwise hold them all
  // until the next collection: 201 MB at 128 guest streams, measured.
  Bun.gc(true);
}

/** v7 metadata (sections + a last OPTIONS section): add a BUFFER section and its option. */
function writeV7(fd: number, trace: ReceivedTrace): void {
  const dat = openTraceDat(memorySource(trace.head));
  const { littleEndian, pageSize } = dat.params;
  const clock = selectedClock(dat.options.traceClock);
  const sizes = trace.cpuFiles.map((f) => wholePages(statSync(f).size, pageSize));
  const tail = layoutV7Tail(trace.head.length, sizes, clock, pageSize, littleEndian);
  const head = trace.head.slice();
  new DataView(head.buffer).setBigUint64(lastDoneNextOffset(head, littleEndian, decodeInitialHeader(memorySource(trace.head)).firstOptionsOffset ?? 0), BigInt(tail.optionsOffset), littleEndian);
  writeAll(fd, head);
  writeAll(fd, tail.bufferHead);
  let at = head.length + tail.bufferHead.length;
  trace.cpuFiles.forEach((file, cpu) => {
    if (tail.dataOffsets[cpu]! > at) writeAll(fd, new Uint8Array(tail.dataOffsets[cpu]! - at));
    const inFd = openSync(file, "r");
    try {
      copyRange(inFd, fd, sizes[cpu]!);
    } finally {
      closeSync(inFd);
    }
    at = tail.dataOffsets[cpu]! + sizes[cpu]!;
  });
  writeAll(fd, tail.options);
}
