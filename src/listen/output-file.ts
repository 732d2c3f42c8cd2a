// Turns what a listen client sent (trace.dat metadata + per-CPU files) into NAME.HOST:PORT.dat.

import { closeSync, openSync } from "node:fs";
import { FormatError } from "../errors.ts";
import { ByteWriter } from "../lib/writer.ts";
import { appendFlyrecord } from "../recorder/assemble.ts";
import { memorySource } from "../tracedat/reader/byte-source.ts";
import { openTraceDat } from "../tracedat/reader/open.ts";

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

/** Reads page size, byte order and clock from a v6 head by parsing it with an empty flyrecord behind. */
export function headFacts(head: Uint8Array, cpus: number): HeadFacts {
  const probe = new Uint8Array(head.length + 10 + cpus * 16 + 8 + 64);
  probe.set(head);
  probe.set(new TextEncoder().encode("flyrecord"), head.length);
  const dat = openTraceDat(memorySource(probe));
  if (dat.params.version !== 6) throw new FormatError(`client sent trace.dat version ${dat.params.version} metadata: only 6 is supported`);
  const clock = /\[([^\]]+)\]/.exec(dat.options.traceClock ?? "")?.[1] ?? "local";
  return { littleEndian: dat.params.littleEndian, pageSize: dat.params.pageSize, clock };
}

/** v1 clients send the metadata without the CPU count and options: add them. */
export function completeV1Head(metadata: Uint8Array, cpus: number, littleEndian: boolean): Uint8Array {
  const w = new ByteWriter(littleEndian, metadata.length + 32);
  w.bytes(metadata).u32(cpus).text("options  ").u8(0).u16(0);
  return w.finish();
}

export function writeReceivedTrace(path: string, trace: ReceivedTrace): void {
  const facts = headFacts(trace.head, trace.cpuFiles.length);
  const fd = openSync(path, "w", 0o644);
  try {
    appendFlyrecord(fd, trace.head, trace.cpuFiles, facts.clock, facts);
  } finally {
    closeSync(fd);
  }
}
