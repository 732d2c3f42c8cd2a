// Benchmark: `vtrace convert` against `trace-cmd convert` on the report benchmark's *:* recording,
// both directions (v6 → v7 zstd, v7 zstd → v6). Run: bun test/bench/convert.bench.ts
// Prints the time of each tool (best of 3 by CPU time) and the ratio; checks both outputs report alike.

import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { corpusFile, corpusUnavailable } from "../helpers/corpus.ts";
import { BENCH_SPEC, bestOf, type Run } from "./timing.ts";

const ROOT = join(import.meta.dir, "..", "..");
const VTRACE = existsSync(join(ROOT, "dist", "vtrace")) ? [join(ROOT, "dist", "vtrace")] : [process.execPath, join(ROOT, "src", "cli.ts")];

async function reportDigest(file: string): Promise<string> {
  const p = Bun.spawn(["sh", "-c", `trace-cmd report -i '${file}' 2>/dev/null | md5sum`], { stdout: "pipe" });
  return (await new Response(p.stdout).text()).trim();
}

async function bench(label: string, input: string, args: string[], dir: string): Promise<void> {
  const theirs = join(dir, "tc.dat");
  const ours = join(dir, "vt.dat");
  const tc = await bestOf(3, ["trace-cmd", "convert", "-i", input, "-o", theirs, ...args], "cpuSeconds");
  const vt = await bestOf(3, [...VTRACE, "convert", "-i", input, "-o", ours, ...args], "cpuSeconds");
  const mb = (f: string) => (statSync(f).size / 1e6).toFixed(1);
  const same = (await reportDigest(theirs)) === (await reportDigest(ours)) && (await reportDigest(ours)) === (await reportDigest(input));
  const show = (name: string, r: Run, out: string) => console.log(`  ${name} ${r.seconds.toFixed(3)} s wall, ${r.cpuSeconds.toFixed(3)} s cpu, peak RSS ${r.peakRssMb.toFixed(1)} MB → ${mb(out)} MB`);
  console.log(`${label}: ${mb(input)} MB in (best of 3 by cpu time)`);
  show("trace-cmd convert:", tc, theirs);
  show("vtrace convert:   ", vt, ours);
  console.log(`  speed ratio vtrace/trace-cmd: ${(tc.cpuSeconds / vt.cpuSeconds).toFixed(2)}x by cpu time, ${(tc.seconds / vt.seconds).toFixed(2)}x by wall time; same report: ${same}`);
}

const why = corpusUnavailable();
if (why) {
  console.log(`convert bench skipped: ${why}`);
} else {
  const dir = mkdtempSync(join(tmpdir(), "vtrace-convert-bench-"));
  try {
    await bench("v6 → v7 zstd", await corpusFile(BENCH_SPEC, "v6"), ["--file-version", "7", "--compression", "zstd"], dir);
    await bench("v7 zstd → v6", await corpusFile(BENCH_SPEC, "zstd"), ["--file-version", "6"], dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
