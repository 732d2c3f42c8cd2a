// The byte sinks the report writes into: text and bytes in order, and a held run (the info text
// being written) kept whole across a flush without the buffer growing for good.

import { expect, test } from "bun:test";
import { closeSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FdWriter } from "../../../src/io/stdout-writer.ts";
import { MemorySink, putText, type ByteSink } from "../../../src/lib/byte-sink.ts";

/** Writes `lines` lines; each line's second half is written while held, then its last byte dropped. */
function writeLines(out: ByteSink, lines: number): string {
  let expected = "";
  for (let i = 0; i < lines; i++) {
    const head = `line ${i} ${"x".repeat(i % 97)} `;
    const held = `held ${i} ${"é".repeat(i % 13)}!\n`;
    out.write(head);
    out.room(8);
    out.held = out.pos;
    out.room(held.length * 3);
    putText(out, held);
    out.room(4000); // often forces a flush in the middle of the held run
    if (out.buf[out.pos - 1] === 10) out.pos--;
    expect(new TextDecoder().decode(out.buf.subarray(out.held, out.pos))).toBe(held.slice(0, -1));
    out.held = -1;
    out.write("\n");
    expected += `${head}${held.slice(0, -1)}\n`;
  }
  return expected;
}

test("FdWriter keeps a held run across flushes, writes everything in order, and its buffer keeps its size", () => {
  const path = join(tmpdir(), `vtrace-fdwriter-${process.pid}.txt`);
  const fd = openSync(path, "w");
  const out = new FdWriter(fd);
  const size = out.buf.length;
  const expected = writeLines(out, 40_000);
  out.flush();
  closeSync(fd);
  expect(readFileSync(path, "utf8") === expected).toBe(true);
  expect(out.buf.length).toBe(size);
});

test("MemorySink keeps a held run across chunks and returns the same text", () => {
  const out = new MemorySink();
  const expected = writeLines(out, 5_000);
  expect(out.text() === expected).toBe(true);
  expect(out.buf.length).toBeLessThanOrEqual(1 << 17);
});
