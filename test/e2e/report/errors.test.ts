// `vtrace report` on bad input and closed pipes: every readable event printed, then exactly one
// stderr line naming the file and offset, and a non-zero exit; `| head` ends quietly with 0.

import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TRACECMD_OPTION_KALLSYMS } from "../../../src/tracedat/model.ts";
import { memorySource } from "../../../src/tracedat/reader/byte-source.ts";
import { openTraceDat } from "../../../src/tracedat/reader/open.ts";
import { corpusFile, corpusUnavailable } from "../../helpers/corpus.ts";
import { traceCmd } from "../../helpers/tracecmd.ts";
import { buildTraceDat, demoEvents } from "../../unit/tracedat/reader/fixture-builder.ts";
import { CORPUS } from "./corpus.ts";

const CLI = join(import.meta.dir, "..", "..", "..", "src", "cli.ts");
const dir = mkdtempSync(join(tmpdir(), "vtrace-report-err-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]) {
  const p = Bun.spawn([process.execPath, CLI, "report", ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { out, err, code };
}

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const FULL = buildTraceDat({ version: 6, buffers: [{ name: "", cpus: demoEvents(400) }], eventsPerPage: 50 });

test("report() on a file truncated inside the cpu data prints what it read, then one error line", async () => {
  const path = file("cut.dat", FULL.subarray(0, FULL.length - 4096 * 3 - 100));
  const r = await run(["-i", path]);
  expect(r.code).toBe(1);
  expect(r.out.split("\n").length).toBeGreaterThan(400);
  expect(r.err.trim().split("\n")).toEqual([expect.stringMatching(new RegExp(`^vtrace report: ${path}: cpu1: .*offset \\d+.*`))]);
});

test("report() on an unknown version says so with the offset", async () => {
  const bad = FULL.slice();
  bad[10] = "9".charCodeAt(0);
  const path = file("v9.dat", bad);
  const r = await run(["-i", path]);
  expect(r).toEqual({ out: "", err: `vtrace report: ${path}: unsupported trace.dat version '9' at offset 10: expected 6 or 7\n`, code: 1 });
});

test("report() on a missing file fails with one line", async () => {
  const r = await run(["-i", join(dir, "nope.dat")]);
  expect(r.code).toBe(1);
  expect(r.err).toBe(`vtrace report: cannot open '${join(dir, "nope.dat")}': ENOENT\n`);
});

test("report() into a pipe closed early (| head -1) exits 0 without a message", async () => {
  const path = file("big.dat", buildTraceDat({ version: 7, compression: "zstd", buffers: [{ name: "", cpus: demoEvents(20_000) }] }));
  const p = Bun.spawn(["bash", "-c", `set -o pipefail; '${process.execPath}' '${CLI}' report -i '${path}' | head -1`], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  expect({ out, err, code }).toEqual({ out: "cpus=2\n", err: "", code: 0 });
});

test("report() defaults to ./trace.dat", async () => {
  const cwd = mkdtempSync(join(dir, "cwd-"));
  writeFileSync(join(cwd, "trace.dat"), buildTraceDat({ version: 6, buffers: [{ name: "", cpus: demoEvents(1) }] }));
  const p = Bun.spawn([process.execPath, CLI, "report"], { cwd, stdout: "pipe", stderr: "pipe" });
  const out = await new Response(p.stdout).text();
  expect(await p.exited).toBe(0);
  expect(out.split("\n")[0]).toBe("cpus=2");
});

test("report() refuses unknown options and --ts-offset before -i with a usage error", async () => {
  const path = file("ok.dat", buildTraceDat({ version: 6, buffers: [{ name: "", cpus: demoEvents(1) }] }));
  expect(await run(["-i", path, "--bogus"])).toEqual({ out: "", err: "vtrace report: unknown option '--bogus': see 'vtrace report --help'\n", code: 2 });
  expect(await run(["--ts-offset", "5", "-i", path])).toEqual({ out: "", err: "vtrace report: --ts-offset must come after -i\n", code: 2 });
});

/** Events of the mono corpus whose print fmt has %ps/%pS (function names from kallsyms). */
const SYMBOL_EVENT = / (timer_start|timer_expire_entry|hrtimer_start|hrtimer_expire_entry): /;

test("report() of a v7 file whose kallsyms is damaged: whole lines up to the first symbol, then one error line", async () => {
  const why = corpusUnavailable();
  if (why) return void console.warn(`skip damaged-kallsyms report: ${why}`);
  // timer events print hrtimer functions, so some line needs kallsyms; sched lines before it do not.
  const bytes = new Uint8Array(readFileSync(await corpusFile(CORPUS.mono, "zstd")));
  const at = openTraceDat(memorySource(bytes)).options.sections.get(TRACECMD_OPTION_KALLSYMS)!;
  bytes.fill(0xee, at + 24, at + 28); // the zstd frame's magic
  const path = file("bad-kallsyms.dat", bytes);
  const r = await run(["-i", path]);
  expect(r.code).toBe(1);
  expect(r.err).toBe(`vtrace report: ${path}: kallsyms section at offset ${at}: cannot decompress section 19 at offset ${at}: Decompression failed: InvalidZstdData\n`);
  // Every printed line is whole and is trace-cmd's line of the intact file.
  expect(r.out.endsWith("\n")).toBe(true);
  const theirs = (await traceCmd(["report", "-i", await corpusFile(CORPUS.mono, "zstd")])).stdout.split("\n");
  const ours = r.out.split("\n").slice(0, -1);
  expect(ours).toEqual(theirs.slice(0, ours.length));
  // ...and it stopped exactly at the first line that prints a function name (the trace may start with one).
  const firstSymbolLine = theirs.findIndex((l) => SYMBOL_EVENT.test(l));
  expect(firstSymbolLine).toBeGreaterThan(0);
  expect(ours.length).toBe(firstSymbolLine);
});

test("report() FILE reads FILE as -i FILE does (trace-cmd report FILE); with -i too it is a usage error", async () => {
  const path = file("positional.dat", buildTraceDat({ version: 6, buffers: [{ name: "", cpus: demoEvents(3) }] }));
  const byArg = await run([path]);
  expect(byArg.code).toBe(0);
  expect(byArg.out.split("\n").length).toBeGreaterThan(5);
  expect(byArg).toEqual(await run(["-i", path]));
  expect(await run(["-i", path, path])).toEqual({ out: "", err: `vtrace report: give the input as -i FILE or as 'report ${path}', not both\n`, code: 2 });
});
