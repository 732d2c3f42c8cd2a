// Benchmark: `vtrace report` against `trace-cmd report` on the same *:* recording, output to /dev/null.
// Run: bun test/bench/report.bench.ts   (BENCH_BIG_MB=1024 adds a large-file memory run)
// Prints events/s for both, the ratio, and peak RSS from /usr/bin/time -v (or rusage).

import { closeSync, existsSync, openSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { openFileSource } from "../../src/io/file-source.ts";
import { openTraceDat } from "../../src/tracedat/reader/open.ts";
import { corpusFile, corpusUnavailable } from "../helpers/corpus.ts";
import { BENCH_SPEC, bestOf, layersOnlyCommand, SMALL_HEAP_ENV, type Run } from "./timing.ts";

const ROOT = join(import.meta.dir, "..", "..");
const VTRACE = existsSync(join(ROOT, "dist", "vtrace")) ? [join(ROOT, "dist", "vtrace")] : [process.execPath, join(ROOT, "src", "cli.ts")];

async function countEvents(file: string): Promise<number> {
  const p = Bun.spawn(["sh", "-c", `trace-cmd report -i '${file}' 2>/dev/null | wc -l`], { stdout: "pipe" });
  return Number((await new Response(p.stdout).text()).trim()) - 1;
}

async function bench(label: string, file: string, repeat: number): Promise<void> {
  const events = await countEvents(file);
  const sizeMb = statSync(file).size / 1e6;
  const best = (cmd: string[], env?: Record<string, string | undefined>) => bestOf(repeat, cmd, "cpuSeconds", env);
  const tc = await best(["trace-cmd", "report", "-i", file]);
  const vt = await best([...VTRACE, "report", "-i", file]);
  const layers = await best([...layersOnlyCommand(), "report", "-i", file], SMALL_HEAP_ENV);
  const rate = (s: number) => Math.round(events / s).toLocaleString("en-US");
  const show = (name: string, r: Run) =>
    console.log(`  ${name} ${r.seconds.toFixed(3)} s wall (${rate(r.seconds)} events/s), ${r.cpuSeconds.toFixed(3)} s cpu (${rate(r.cpuSeconds)} events/s), peak RSS ${r.peakRssMb.toFixed(1)} MB`);
  console.log(`${label}: ${events.toLocaleString("en-US")} events, ${sizeMb.toFixed(1)} MB (best of ${repeat} by cpu time)`);
  show("trace-cmd report:", tc);
  show("vtrace report:   ", vt);
  show("vtrace, event info stubbed (reader+merge+layout+output only):", layers);
  console.log(`  speed ratio vtrace/trace-cmd: ${(tc.cpuSeconds / vt.cpuSeconds).toFixed(2)}x by cpu time, ${(tc.seconds / vt.seconds).toFixed(2)}x by wall time (target >= 3x)`);
  console.log(`  layers-only ratio: ${(tc.cpuSeconds / layers.cpuSeconds).toFixed(2)}x by cpu time, ${(tc.seconds / layers.seconds).toFixed(2)}x by wall time`);
}

const why = corpusUnavailable();
if (why) {
  console.log(`report bench skipped: ${why}`);
} else {
  const file = await corpusFile(BENCH_SPEC, "zstd");
  await bench("*:* zstd", file, 3);
  await bench("*:* v6 (uncompressed)", await corpusFile(BENCH_SPEC, "v6"), 3);
  const bigMb = Number(process.env.BENCH_BIG_MB ?? 0);
  if (bigMb > 0) await bench(`~${bigMb} MB v6`, await makeBigFile(await corpusFile(BENCH_SPEC, "v6"), bigMb), 1);
}

// A large v6 trace.dat for the memory bench: the metadata of a real file, then its per-CPU data repeated,
// page timestamps shifted on each copy so every CPU stays in time order (research note §3.2).
async function makeBigFile(v6File: string, targetMb: number): Promise<string> {
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
}
