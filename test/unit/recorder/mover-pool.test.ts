// The mover pool through Recorder: many streams share a bounded number of threads, several
// recordings share the same threads, and every byte of every stream arrives.

import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeFd, O_NONBLOCK, O_RDWR, openFd, writeFd } from "../../../ffi/fd.ts";
import { makeFifo } from "../../../ffi/fifo.ts";
import { MoverPool } from "../../../src/recorder/mover-pool.ts";
import { Recorder } from "../../../src/recorder/recorder.ts";

const dir = mkdtempSync(join(tmpdir(), "vtrace-pool-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PAGE = 4096;

async function fifoRecording(pool: MoverPool, name: string, streams: number) {
  const fifos = Array.from({ length: streams }, (_, i) => join(dir, `${name}${i}`));
  for (const f of fifos) makeFifo(f, 0o600);
  const writers = fifos.map((f) => openFd(f, O_RDWR | O_NONBLOCK));
  const recorder = await Recorder.start({
    cpus: fifos.map((_, i) => i),
    rawPath: (i) => fifos[i]!,
    fifoSources: true,
    sink: (i) => ({ kind: "file", path: `${fifos[i]}.out` }),
    pageSize: PAGE,
    pool,
  });
  return { fifos, writers, recorder };
}

test("16 + 16 streams of two recordings on a pool of 2: two threads in all, every byte in its own file", async () => {
  const pool = new MoverPool(2);
  const a = await fifoRecording(pool, "a", 16);
  const b = await fifoRecording(pool, "b", 16);
  expect(pool.threadCount).toBe(2);
  expect(new Set([...a.recorder.threadIds, ...b.recorder.threadIds]).size).toBe(2);
  for (const rec of [a, b]) rec.writers.forEach((w, i) => expect(writeFd(w, new Uint8Array(3 * PAGE).fill(i + 1))).toBe(3 * PAGE));
  const [ra, rb] = await Promise.all([a.recorder.stop(), b.recorder.stop()]);
  for (const [rec, results] of [[a, ra], [b, rb]] as const) {
    expect(results.map((r) => r.written)).toEqual(rec.fifos.map(() => 3 * PAGE));
    rec.fifos.forEach((f, i) => expect(readFileSync(`${f}.out`).every((x) => x === i + 1)).toBe(true));
    for (const w of rec.writers) closeFd(w);
  }
  // The threads outlive the recordings and serve the next one.
  const c = await fifoRecording(pool, "c", 4);
  expect(pool.threadCount).toBe(2);
  expect((await c.recorder.stop()).length).toBe(4);
  for (const w of c.writers) closeFd(w);
}, 30_000);

test("a stream that cannot open fails its recording's start with its CPU named; the others are stopped", async () => {
  const pool = new MoverPool(2);
  const good = join(dir, "good");
  makeFifo(good, 0o600);
  const start = Recorder.start({
    cpus: [0, 1],
    rawPath: (i) => (i === 0 ? good : join(dir, "missing")),
    fifoSources: true,
    sink: (i) => ({ kind: "file", path: join(dir, `fail${i}.out`) }),
    pageSize: PAGE,
    pool,
  });
  expect(start).rejects.toThrow(/^cpu1: open '.*missing': ENOENT/);
  await start.catch(() => undefined);
}, 30_000);
