// A large v6 trace.dat for the memory bench: the metadata of a real file, then its per-CPU data repeated.
// Page timestamps are shifted on each copy so every CPU stays in time order.
// Source of truth: research note §3.2 (v6 flyrecord CPU table, page-aligned data).

import { closeSync, existsSync, openSync, readSync, writeSync } from "node:fs";
import { join } from "node:path";
import { openFileSource } from "../../src/io/file-source.ts";
import { openTraceDat } from "../../src/tracedat/reader/open.ts";

export async function makeBigFile(v6File: string, targetMb: number): Promise<string> {
  const out = join(import.meta.dir, "..", ".cache", `big-${targetMb}mb.dat`);
  if (existsSync(out)) return out;
  using src = openFileSource(v6File);
  const dat = openTraceDat(src);
  const buf = dat.buffers.find((b) => b.cpus.some((c) => c.size > 0))!;
  const { pageSize } = dat.params;
  const first = Math.min(...buf.cpus.filter((c) => c.size > 0).map((c) => c.offset));
  const head = src.read(0, first);
  const perCopy = buf.cpus.reduce((n, c) => n + c.size, 0);
  const copies = Math.max(1, Math.ceil((targetMb * 1e6) / perCopy));
  const fd = openSync(out, "w");
  try {
    writeSync(fd, head);
    let at = first;
    const newRefs = buf.cpus.map((c) => ({ cpu: c.cpu, offset: 0, size: c.size * copies }));
    for (const [i, c] of buf.cpus.entries()) {
      newRefs[i]!.offset = at;
      const data = src.read(c.offset, c.size);
      const span = pageSpan(data, pageSize);
      for (let k = 0; k < copies; k++) {
        writeSync(fd, shiftPages(data, pageSize, span * BigInt(k)));
        at += c.size;
      }
    }
    patchTable(fd, src, buf.cpus, newRefs);
  } finally {
    closeSync(fd);
  }
  return out;
}

function pageSpan(data: Uint8Array, pageSize: number): bigint {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const firstTs = dv.getBigUint64(0, true);
  const lastTs = dv.getBigUint64(data.length - pageSize, true);
  return lastTs - firstTs + 10_000_000n;
}

function shiftPages(data: Uint8Array, pageSize: number, by: bigint): Uint8Array {
  const copy = data.slice();
  const dv = new DataView(copy.buffer);
  for (let p = 0; p + pageSize <= copy.length; p += pageSize) dv.setBigUint64(p, dv.getBigUint64(p, true) + by, true);
  return copy;
}

/** Rewrites the CPU table in place: it is the 16-byte-per-cpu block that lists the old offsets. */
function patchTable(fd: number, src: { read(o: number, n: number): Uint8Array }, old: { offset: number; size: number }[], refs: { offset: number; size: number }[]) {
  const needle = new Uint8Array(16);
  const dv = new DataView(needle.buffer);
  dv.setBigUint64(0, BigInt(old[0]!.offset), true);
  dv.setBigUint64(8, BigInt(old[0]!.size), true);
  const head = src.read(0, old[0]!.offset);
  let at = -1;
  for (let i = head.length - 16; i >= 0; i--) {
    if (needle.every((b, k) => head[i + k] === b)) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new Error("cannot find the cpu table to patch");
  const table = new Uint8Array(16 * refs.length);
  const tv = new DataView(table.buffer);
  refs.forEach((r, i) => {
    tv.setBigUint64(i * 16, BigInt(r.offset), true);
    tv.setBigUint64(i * 16 + 8, BigInt(r.size), true);
  });
  writeSync(fd, table, 0, table.length, at);
  void readSync;
}
