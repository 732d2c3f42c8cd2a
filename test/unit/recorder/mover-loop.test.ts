// One mover loop serving many streams on the calling thread: every byte of every stream arrives,
// one stop byte ends them all, idle means blocked in poll(), and a full disk keeps what fit while
// the source is still emptied.

import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeFd, makePipe, O_NONBLOCK, O_RDWR, openFd, readFd, writeFd } from "../../../ffi/fd.ts";
import { makeFifo } from "../../../ffi/fifo.ts";
import { MoverLoop } from "../../../src/recorder/mover-loop.ts";
import type { StreamResult, StreamSpec } from "../../../src/recorder/mover-protocol.ts";

const dir = mkdtempSync(join(tmpdir(), "vtrace-loop-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PAGE = 4096;

function collector() {
  const done = new Map<number, StreamResult>();
  const failed = new Map<number, string>();
  const full: number[] = [];
  const loop = new MoverLoop({
    ready: () => {},
    progress: () => {},
    diskFull: (id) => full.push(id),
    done: (id, r) => done.set(id, r),
    failed: (id, m) => failed.set(id, m),
  });
  return { loop, done, failed, full };
}

/** A FIFO standing in for a source, with a writer end the test keeps. */
function source(name: string): { path: string; writer: number } {
  const path = join(dir, name);
  makeFifo(path, 0o600);
  return { path, writer: openFd(path, O_RDWR | O_NONBLOCK) };
}

function spec(id: number, rawPath: string, out: string, wakeFd: number): StreamSpec {
  return { id, cpu: id, rawPath, sourceIsFifo: true, sink: { kind: "file", path: out }, wakeFd, pageSize: PAGE };
}

test("32 streams on one loop: each file gets exactly its own bytes, and one stop byte ends them all", () => {
  const { loop, done, failed } = collector();
  const wake = makePipe(O_NONBLOCK);
  const sources = Array.from({ length: 32 }, (_, i) => source(`many${i}`));
  sources.forEach((s, i) => loop.add(spec(i, s.path, join(dir, `many${i}.out`), wake.readFd)));
  for (let round = 0; round < 4; round++) {
    sources.forEach((s, i) => expect(writeFd(s.writer, new Uint8Array(PAGE * 2).fill((i + round) & 0xff))).toBe(PAGE * 2));
    for (let t = 0; t < 8; t++) loop.turn(undefined, 10);
  }
  writeFd(wake.writeFd, new Uint8Array([1]));
  for (let t = 0; t < 50 && done.size < 32; t++) loop.turn(undefined, 10);
  expect(failed.size).toBe(0);
  expect(done.size).toBe(32);
  sources.forEach((s, i) => {
    expect(done.get(i)).toEqual({ bytes: 8 * PAGE, partialBytes: 0, written: 8 * PAGE });
    const bytes = readFileSync(join(dir, `many${i}.out`));
    for (let round = 0; round < 4; round++) expect(bytes[round * 2 * PAGE]).toBe((i + round) & 0xff);
    closeFd(s.writer);
  });
  expect(loop.streamCount).toBe(0);
  closeFd(wake.readFd);
  closeFd(wake.writeFd);
});

test("idle means blocked: with no data and no deadline, a turn sleeps in poll() for as long as it may", () => {
  const { loop } = collector();
  const wake = makePipe(O_NONBLOCK);
  const s = source("idle");
  loop.add(spec(100, s.path, join(dir, "idle.out"), wake.readFd));
  const t0 = performance.now();
  loop.turn(undefined, 300);
  expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
  writeFd(wake.writeFd, new Uint8Array([1]));
  loop.turn(undefined, 10);
  expect(loop.streamCount).toBe(0);
  for (const fd of [s.writer, wake.readFd, wake.writeFd]) closeFd(fd);
});

test("a stream added after its recording's stop byte stops at once", () => {
  const { loop, done } = collector();
  const wake = makePipe(O_NONBLOCK);
  writeFd(wake.writeFd, new Uint8Array([1]));
  const s = source("late");
  writeFd(s.writer, new Uint8Array(PAGE).fill(3));
  loop.add(spec(200, s.path, join(dir, "late.out"), wake.readFd));
  loop.turn(undefined, 1000);
  expect(done.get(200)?.written).toBe(PAGE);
  for (const fd of [s.writer, wake.readFd, wake.writeFd]) closeFd(fd);
});

test("a full disk: the file keeps what fit, the stream says so once, and its source is still emptied", async () => {
  if (process.getuid?.() !== 0) return void console.warn("skip: mounting a tmpfs needs root");
  const mnt = join(dir, "tiny");
  mkdirSync(mnt);
  const m = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt]);
  if (m.exitCode !== 0) return void console.warn(`skip: cannot mount a tmpfs: ${m.stderr}`);
  try {
    const { loop, done, full, failed } = collector();
    const wake = makePipe(O_NONBLOCK);
    const s = source("full");
    loop.add(spec(300, s.path, join(mnt, "full.out"), wake.readFd));
    for (let i = 0; i < 8; i++) {
      expect(writeFd(s.writer, new Uint8Array(4 * PAGE).fill(i))).toBe(4 * PAGE); // 128 KiB in all
      loop.turn(undefined, 10);
    }
    writeFd(wake.writeFd, new Uint8Array([1]));
    for (let t = 0; t < 20 && !done.has(300); t++) loop.turn(undefined, 10);
    expect(failed.size).toBe(0);
    expect(full).toEqual([300]);
    const r = done.get(300)!;
    expect(r.diskFull).toContain("ENOSPC");
    expect(r.bytes).toBe(32 * PAGE);
    expect(r.written).toBe(readFileSync(join(mnt, "full.out")).length);
    expect(r.written).toBeGreaterThan(0);
    expect(r.written).toBeLessThanOrEqual(16 * PAGE);
    expect(readFd(s.writer, new Uint8Array(PAGE))).toBe("again"); // nothing left in the source
    for (const fd of [s.writer, wake.readFd, wake.writeFd]) closeFd(fd);
  } finally {
    Bun.spawnSync(["umount", mnt]);
  }
});
