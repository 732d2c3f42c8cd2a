// `vtrace record` on a disk that fills up: it stops, writes a valid trace.dat of the pages that reached
// the disk (trace-cmd and vtrace both read it), says how much it kept and exits 1; when not even the
// trace.dat head fits, it says so and leaves nothing behind. Each case gets its own small tmpfs.

import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { instanceName, missing, run, skipBecause, TRACEFS, VTRACE_BIN } from "../../helpers/env.ts";
import { traceCmd } from "../../helpers/tracecmd.ts";

const skip = skipBecause(missing({ tracefs: true, traceCmd: true, binary: true }), "record ENOSPC e2e");

/** A load that never ends by itself: only the full disk stops the recording. */
const ENDLESS_LOAD = ["--", "sh", "-c", "while :; do ls -R /usr/lib >/dev/null; done"];

async function withTmpfs(size: string, body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "vtrace-enospc-"));
  const mounted = await run(["mount", "-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  if (mounted.code !== 0) {
    rmdirSync(dir);
    return void console.warn(`skip: cannot mount a tmpfs (${mounted.stderr.trim()})`);
  }
  try {
    await body(dir);
  } finally {
    await run(["umount", dir]);
    rmdirSync(dir);
  }
}

function recordArgs(instance: string, out: string, extra: string[] = []): string[] {
  return [VTRACE_BIN, "record", "-B", instance, "-b", "4096", "-e", "sched", "-e", "syscalls", "-o", out, ...extra, ...ENDLESS_LOAD];
}

const KEPT = /^vtrace record: disk full while recording \(cpu\d+: [^)]*ENOSPC[^)]*\)\): '([^']+)' keeps ([\d.]+ \w+) \((\d+) pages\) of the ([\d.]+ \w+) recorded(.*); it is a complete trace\.dat up to there\n$/;

async function expectReadable(out: string, pages: number): Promise<void> {
  const size = statSync(out).size;
  expect(size).toBeGreaterThan(pages * 4096);
  const tc = await traceCmd(["report", "-i", out]);
  expect(tc.code).toBe(0);
  const vt = await run([VTRACE_BIN, "report", "-i", out]);
  expect(vt.code).toBe(0);
  const tcLines = tc.stdout.split("\n").length;
  console.log(`kept ${pages} pages: trace-cmd reports ${tcLines} lines, vtrace ${vt.stdout.split("\n").length}`);
  // Far more events than a page holds: the kept pages are really there, and both tools read them all.
  expect(tcLines).toBeGreaterThan(pages * 20);
  expect(vt.stdout.split("\n").length).toBe(tcLines);
}

describe.skipIf(skip)("vtrace record on a full disk", () => {
  test("a 12 MiB tmpfs fills while recording: exit 1, one line saying what was kept, a file both reports read", async () => {
    await withTmpfs("12m", async (dir) => {
      const out = `${dir}/t.dat`;
      const inst = instanceName("enospc");
      const r = await run(recordArgs(inst, out), { timeoutMs: 90_000 });
      expect(r.code).toBe(1);
      const m = KEPT.exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      expect(m![1]).toBe(out);
      const pages = Number(m![3]);
      expect(pages).toBeGreaterThan(100);
      await expectReadable(out, pages);
      expect(readdirSync(dir)).toEqual(["t.dat"]); // no temporary CPU files left
      expect(existsSync(`${TRACEFS}/instances/${inst}`)).toBe(false);
    });
  }, 120_000);

  test("--file-version 7 on a full disk: the kept pages are written as v6, and said so", async () => {
    await withTmpfs("12m", async (dir) => {
      const out = `${dir}/t7.dat`;
      const r = await run(recordArgs(instanceName("enospc7"), out, ["--file-version", "7"]), { timeoutMs: 90_000 });
      expect(r.code).toBe(1);
      const m = KEPT.exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      expect(m![5]).toBe(" as version 6 (no room for the v7 copy)");
      await expectReadable(out, Number(m![3]));
      expect(readdirSync(dir)).toEqual(["t7.dat"]);
    });
  }, 120_000);

  test("a 3 MiB tmpfs cannot hold even the trace.dat head: exit 1, one line, nothing left behind", async () => {
    await withTmpfs("3m", async (dir) => {
      const out = `${dir}/t.dat`;
      const inst = instanceName("enospc3");
      const r = await run(recordArgs(inst, out), { timeoutMs: 90_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^vtrace record: disk full: not even the trace\.dat head fits \([\d.]+ \w+\): nothing kept, '[^']+' removed\n$/);
      expect(readdirSync(dir)).toEqual([]);
      expect(existsSync(`${TRACEFS}/instances/${inst}`)).toBe(false);
    });
  }, 120_000);
});

describe.skipIf(skip)("vtrace convert on a full disk", () => {
  test("a copy that would lose pages is refused: exit 1, one line, nothing written, the input unchanged", async () => {
    const src = mkdtempSync(join(tmpdir(), "vtrace-enospc-src-"));
    try {
      const v6 = `${src}/in.dat`;
      const rec = await run([VTRACE_BIN, "record", "-B", instanceName("cvfull"), "-e", "sched", "-o", v6, "--", "sh", "-c", "ls -R /usr/lib >/dev/null"]);
      expect(rec.code).toBe(0);
      const v7 = `${src}/in7.dat`;
      expect((await run([VTRACE_BIN, "convert", "--file-version", "7", "-i", v6, "-o", v7])).code).toBe(0);
      const before = statSync(v7).size;
      // Room for the spilled pages but not for them and the head (kallsyms) behind them: the v6
      // writer would have to drop pages, which a copy must not do.
      const fits = `${Math.floor((statSync(v6).size - 64 * 1024) / 1024)}k`;
      await withTmpfs(fits, async (dir) => {
        const r = await run([VTRACE_BIN, "convert", "--file-version", "6", "-i", v7, "-o", `${dir}/out.dat`]);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 1, stderr: `vtrace convert: disk full writing '${dir}/out.dat': nothing written, '${v7}' is unchanged\n` });
        expect(readdirSync(dir)).toEqual([]);
      });
      expect(statSync(v7).size).toBe(before);
    } finally {
      await run(["rm", "-rf", src]);
    }
  }, 120_000);
});
