// The page mover when its sink's reader has gone (a virt-server killed mid-session): it must not hang
// in a syscall; once stop is asked it gives the stalled sink up after its stall time, with an error.

import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeFd, makePipe, O_NONBLOCK, O_RDONLY, O_RDWR, openFd, readFd, setPipeSize, writeFd } from "../../../ffi/fd.ts";
import { makeFifo } from "../../../ffi/fifo.ts";
import { runStream, StreamFailedError } from "../../../src/recorder/mover-loop.ts";

const dir = mkdtempSync(join(tmpdir(), "vtrace-mover-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PAGE = 4096;

function fifoPair(name: string) {
  const source = join(dir, `${name}.src`);
  const sink = join(dir, `${name}.sink`);
  makeFifo(source, 0o600);
  makeFifo(sink, 0o600);
  // The sink's reader opens (so the mover's open succeeds) with room for one page.
  const sinkReader = openFd(sink, O_RDONLY | O_NONBLOCK);
  setPipeSize(sinkReader, PAGE);
  // Sixteen pages wait in the source.
  const sourceWriter = openFd(source, O_RDWR | O_NONBLOCK);
  for (let i = 0; i < 16; i++) expect(writeFd(sourceWriter, new Uint8Array(PAGE).fill(i + 1))).toBe(PAGE);
  return { source, sink, sinkReader, sourceWriter };
}

function mover(source: string, sink: string, wakeFd: number, stallMs: number) {
  return () =>
    runStream({ id: 1, cpu: 0, rawPath: source, sourceIsFifo: true, sink: { kind: "port", path: sink }, wakeFd, pageSize: PAGE, stallMs });
}

test("a sink nobody reads: after stop the mover gives up within its stall time instead of blocking", () => {
  const f = fifoPair("stalled");
  const wake = makePipe(O_NONBLOCK);
  writeFd(wake.writeFd, new Uint8Array([1])); // stop is already asked
  const t0 = performance.now();
  expect(mover(f.source, f.sink, wake.readFd, 300)).toThrow(StreamFailedError);
  const took = performance.now() - t0;
  expect(took).toBeGreaterThanOrEqual(300);
  expect(took).toBeLessThan(3000);
  for (const fd of [f.sinkReader, f.sourceWriter, wake.readFd, wake.writeFd]) closeFd(fd);
});

test("a sink that is read: every page arrives, nothing is given up", async () => {
  const f = fifoPair("read");
  const wake = makePipe(O_NONBLOCK);
  writeFd(wake.writeFd, new Uint8Array([1]));
  // A reader in another process drains the sink while the mover runs in this thread.
  const reader = Bun.spawn(["sh", "-c", `cat '${f.sink}' | wc -c`], { stdout: "pipe" });
  await Bun.sleep(300); // cat has the FIFO open before our own reader goes
  closeFd(f.sinkReader);
  const result = mover(f.source, f.sink, wake.readFd, 5000)();
  expect(result.bytes).toBe(16 * PAGE);
  expect(result.written).toBe(16 * PAGE);
  const page = new Uint8Array(PAGE);
  expect(readFd(f.sourceWriter, page)).toBe("again"); // the source was emptied
  for (const fd of [f.sourceWriter, wake.readFd, wake.writeFd]) closeFd(fd);
  expect(Number((await new Response(reader.stdout).text()).trim())).toBe(16 * PAGE);
});
