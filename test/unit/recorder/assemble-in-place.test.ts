// appendFlyrecord() moves each CPU's pages into place from the end, truncating the temporary file
// behind them: the output is byte for byte the forward layout, the temporary files end empty, and on
// a full disk the newest pages make room for the head while every kept page is exactly as recorded.

import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeFd, O_CREAT, O_TRUNC, O_WRONLY, openFd } from "../../../ffi/fd.ts";
import { appendFlyrecord } from "../../../src/recorder/assemble.ts";
import { layoutFlyrecord } from "../../../src/tracedat/writer-v6.ts";

const dir = mkdtempSync(join(tmpdir(), "vtrace-place-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PAGE = 4096;
const PARAMS = { littleEndian: true, pageSize: PAGE };

/** `n` pages (plus `tail` stray bytes), each page filled with a byte naming its CPU and index. */
function cpuData(cpu: number, n: number, tail = 0): Uint8Array {
  const out = new Uint8Array(n * PAGE + tail);
  for (let p = 0; p < n; p++) out.fill((cpu * 64 + p) & 0xff, p * PAGE, (p + 1) * PAGE);
  return out;
}

function assemble(where: string, head: Uint8Array, data: Uint8Array[]): { out: string; layout: ReturnType<typeof appendFlyrecord> } {
  const files = data.map((d, cpu) => {
    const f = join(where, `t.cpu${cpu}`);
    writeFileSync(f, d);
    return f;
  });
  const out = join(where, "t.dat");
  const fd = openFd(out, O_WRONLY | O_CREAT | O_TRUNC, 0o644);
  try {
    const layout = appendFlyrecord(fd, head, files, "local", PARAMS);
    for (const f of files) expect(statSync(f).size).toBe(0); // consumed
    return { out, layout };
  } finally {
    closeFd(fd);
  }
}

test("the output is the forward layout byte for byte; chunks over 1 MiB, an empty CPU and a stray tail", () => {
  const head = new Uint8Array(5000).fill(0x5a);
  const data = [cpuData(0, 300), new Uint8Array(), cpuData(2, 5, 100)];
  const { out, layout } = assemble(dir, head, data);
  const sizes = data.map((d) => Math.floor(d.length / PAGE) * PAGE);
  const fly = layoutFlyrecord(head.length, sizes, "local", PARAMS);
  const want = new Uint8Array(fly.dataOffsets[2]! + sizes[2]!);
  want.set(head);
  want.set(fly.table, head.length);
  data.forEach((d, cpu) => want.set(d.subarray(0, sizes[cpu]), fly.dataOffsets[cpu]!));
  expect(new Uint8Array(readFileSync(out))).toEqual(want);
  expect(layout).toEqual([
    { cpu: 0, offset: fly.dataOffsets[0]!, size: sizes[0]! },
    { cpu: 1, offset: 0, size: 0 },
    { cpu: 2, offset: fly.dataOffsets[2]!, size: sizes[2]! },
  ]);
});

function withTmpfs(size: string, body: (mnt: string) => void): void {
  if (process.getuid?.() !== 0) return void console.warn("skip: mounting a tmpfs needs root");
  const mnt = join(dir, `fs-${size}`);
  mkdirSync(mnt);
  const m = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", `size=${size}`, "tmpfs", mnt]);
  if (m.exitCode !== 0) return void console.warn(`skip: cannot mount a tmpfs: ${m.stderr}`);
  try {
    body(mnt);
  } finally {
    Bun.spawnSync(["umount", mnt]);
  }
}

test("a full disk: the newest pages make room for the head, every kept page is as recorded", () => {
  withTmpfs("2m", (mnt) => {
    // Two CPUs fill the 2 MiB almost to the last page; the head needs 300 KiB more.
    const data = [cpuData(0, 250), cpuData(1, 250)];
    const head = new Uint8Array(300 * 1024).fill(0x11);
    const { out, layout } = assemble(mnt, head, data);
    const bytes = new Uint8Array(readFileSync(out));
    expect(bytes.subarray(0, head.length)).toEqual(head);
    const kept = layout.reduce((s, c) => s + c.size, 0);
    expect(kept).toBeGreaterThan(300 * PAGE);
    expect(kept).toBeLessThan(500 * PAGE);
    for (const c of layout) {
      // A CPU keeps its oldest pages (the newest were dropped), each one intact.
      expect(Buffer.from(bytes.subarray(c.offset, c.offset + c.size)).equals(data[c.cpu]!.subarray(0, c.size))).toBe(true);
    }
  });
});

test("a disk too small for the head: NoRoomError, after giving up every page", () => {
  withTmpfs("256k", (mnt) => {
    expect(() => assemble(mnt, new Uint8Array(400 * 1024), [cpuData(0, 10)])).toThrow(/no room on the disk for even the trace\.dat head/);
  });
});
