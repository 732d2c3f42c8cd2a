// End to end: `vtrace record --file-version 7 / --compression` on real ftrace, read by trace-cmd 3.1.6.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { memorySource } from "../../../src/tracedat/reader/byte-source.ts";
import { openPageStream } from "../../../src/tracedat/reader/cpu-pages.ts";
import { openTraceDat } from "../../../src/tracedat/reader/open.ts";
import { instanceName, missing, run, skipBecause, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { dumpFlyrecord, eventLines, traceCmd } from "../../helpers/tracecmd.ts";

const why = missing({ tracefs: true, traceCmd: true, binary: true });
const skip = skipBecause(why, "record v7 e2e");
const LOAD = ["--", "sh", "-c", "ls -R /usr/lib >/dev/null; sleep 0.2"];

async function record(dir: string, name: string, args: string[]): Promise<string> {
  const out = `${dir}/${name}.dat`;
  const r = await run([VTRACE_BIN, "record", "-B", instanceName(name), "-e", "sched", "-e", "syscalls", "-o", out, ...args, ...LOAD]);
  expect(r.stderr).toContain(`wrote ${out}`);
  expect(r.code).toBe(0);
  return out;
}

/** Every CPU's pages as the reader returns them (decompressed), CPUs in order. */
function cpuPages(file: string): Uint8Array[] {
  const dat = openTraceDat(memorySource(new Uint8Array(readFileSync(file))));
  const b = dat.buffers[0]!;
  return b.cpus
    .filter((c) => c.size > 0)
    .map((ref) => {
      const stream = openPageStream({ source: dat.source, littleEndian: true, pageSize: b.pageSize, offset: ref.offset, size: ref.size, decompress: b.compressed ? dat.decompress : undefined });
      const parts: Uint8Array[] = [];
      for (let p = stream.next(); p; p = stream.next()) parts.push(p.slice());
      return Buffer.concat(parts);
    });
}

describe.skipIf(skip)("vtrace record --file-version 7 (compiled binary, real ftrace, trace-cmd as the reader)", () => {
  test("--file-version 7 is zstd-compressed; trace-cmd reports what vtrace reports, and converts it to v6 with the same lines", async () => {
    using dir = tempDir("v7zstd");
    const out = await record(dir.path, "v7zstd", ["--file-version", "7"]);
    const summary = await traceCmd(["dump", "--summary", "-i", out]);
    expect(summary.stdout).toMatch(/7\s+\[Version\]/);
    expect(summary.stdout).toMatch(/zstd\s+\[Compression algorithm\]/);
    const theirs = await traceCmd(["report", "-i", out]);
    expect(theirs.stderr).not.toMatch(/error|failed/i);
    expect(theirs.code).toBe(0);
    expect(eventLines(theirs.stdout).length).toBeGreaterThan(100);
    const ours = await run([VTRACE_BIN, "report", "-i", out]);
    expect(ours.stdout).toBe(theirs.stdout);
    const v6 = `${dir.path}/v6.dat`;
    expect((await traceCmd(["convert", "-i", out, "-o", v6, "--file-version", "6"])).code).toBe(0);
    expect((await traceCmd(["report", "-i", v6])).stdout).toBe(theirs.stdout);
  }, 90_000);

  test("--compression none: the pages are byte for byte those trace-cmd's own v6 conversion holds", async () => {
    using dir = tempDir("v7none");
    const out = await record(dir.path, "v7none", ["--compression", "none"]);
    const summary = await traceCmd(["dump", "--summary", "-i", out]);
    expect(summary.stdout).toMatch(/none\s+\[Compression algorithm\]/);
    const v6 = `${dir.path}/v6.dat`;
    expect((await traceCmd(["convert", "-i", out, "-o", v6, "--file-version", "6"])).code).toBe(0);
    const v6Bytes = readFileSync(v6);
    const theirs = (await dumpFlyrecord(v6)).filter((c) => c.size > 0).map((c) => v6Bytes.subarray(c.offset, c.offset + c.size));
    expect(theirs.length).toBeGreaterThan(0);
    expect(cpuPages(out).map((p) => Buffer.from(p))).toEqual(theirs);
  }, 90_000);

  test("--compression zstd and zlib decode to the pages trace-cmd finds (zlib: Debian's trace-cmd has no zlib, vtrace reads it)", async () => {
    using dir = tempDir("v7z");
    const zstd = await record(dir.path, "v7zs", ["--compression", "zstd"]);
    // trace-cmd converts our zstd file to an uncompressed one: the pages must survive unchanged.
    const plain = `${dir.path}/plain.dat`;
    expect((await traceCmd(["convert", "-i", zstd, "-o", plain, "--compression", "none"])).code).toBe(0);
    expect(cpuPages(zstd)).toEqual(cpuPages(plain));
    const zlib = await record(dir.path, "v7zl", ["--compression", "zlib"]);
    expect(readFileSync(zlib).subarray(18, 23).toString()).toBe("zlib\0");
    const report = await run([VTRACE_BIN, "report", "-i", zlib]);
    expect(report.code).toBe(0);
    expect(eventLines(report.stdout).length).toBeGreaterThan(100);
  }, 90_000);

  test("on a terminal the recording and then the compression show progress; piped, stderr has neither", async () => {
    if (!Bun.which("script")) return void console.warn("skip v7 progress: no script(1) to give vtrace a terminal");
    using dir = tempDir("v7tty");
    const out = `${dir.path}/t.dat`;
    const cmd = [VTRACE_BIN, "record", "-B", instanceName("v7tty"), "-e", "sched", "-e", "syscalls", "--compression", "zlib", "-o", out, "--", "sh", "-c", "'ls -R /usr >/dev/null; sleep 1.5'"].join(" ");
    const tty = await run(["script", "-qec", cmd, "/dev/null"], { timeoutMs: 120_000 });
    expect(tty.code).toBe(0);
    expect(tty.stdout).toMatch(/recording \d+\.\ds \| cpu0 /);
    expect(tty.stdout).toMatch(/compressing cpu\d+: [\d.]+ [KM]iB of [\d.]+ MiB/);
    const piped = await run([VTRACE_BIN, "record", "-B", instanceName("v7pipe"), "-e", "sched", "--compression", "zlib", "-o", out, "--", "sleep", "0.2"]);
    expect(piped.code).toBe(0);
    expect(piped.stderr).not.toMatch(/recording|compressing|\r/);
  }, 120_000);
});

describe.skipIf(skipBecause(missing({ binary: true }), "record v7 errors"))("vtrace record --file-version/--compression errors", () => {
  const cases: [string, string[], RegExp][] = [
    ["an unknown compression", ["--compression", "lz4"], /unknown --compression 'lz4': expected zstd, zlib, any, none/],
    ["compression with version 6", ["--file-version", "6", "--compression", "zstd"], /--compression needs --file-version 7/],
    ["version 8", ["--file-version", "8"], /invalid --file-version '8': expected an integer from 6 to 7/],
    ["v7 over the network", ["--file-version", "7", "-N", "127.0.0.1:1"], /--file-version 7 and --compression need a local recording/],
  ];
  test.each(cases)("%s → one line, exit 2, no file", async (_name, args, message) => {
    using dir = tempDir("v7err");
    const out = `${dir.path}/t.dat`;
    const r = await run([VTRACE_BIN, "record", "-e", "sched", "-o", out, ...args, "--", "true"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(Bun.file(out).size).toBe(0);
  });
});
