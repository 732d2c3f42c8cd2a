// Benchmark: `vtrace report` against `trace-cmd report` on the same *:* recording, output to /dev/null.
// Run: bun test/bench/report.bench.ts   (BENCH_BIG_MB=1024 adds a large-file memory run)
// Prints events/s for both, the ratio, and peak RSS from /usr/bin/time -v (or rusage).

import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { corpusFile, corpusUnavailable } from "../helpers/corpus.ts";
import { makeBigFile } from "./big-file.ts";

const ROOT = join(import.meta.dir, "..", "..");
const VTRACE = existsSync(join(ROOT, "dist", "vtrace")) ? [join(ROOT, "dist", "vtrace")] : [process.execPath, join(ROOT, "src", "cli.ts")];
const BENCH_SPEC = { buffers: [{ name: "bench", events: ["*:*"], clock: "local" as const, bufferKb: 65536 }], load: 10 };

interface Run {
  seconds: number;
  peakRssMb: number;
  lines: number;
}

async function timed(cmd: string[]): Promise<Run> {
  const useTime = existsSync("/usr/bin/time");
  const full = useTime ? ["/usr/bin/time", "-f", "%e %M", ...cmd] : cmd;
  const t0 = performance.now();
  const p = Bun.spawn(full, { stdout: "ignore", stderr: "pipe" });
  const [err] = await Promise.all([new Response(p.stderr).text(), p.exited]);
  const seconds = (performance.now() - t0) / 1000;
  const last = err.trim().split("\n").at(-1) ?? "";
  const kb = useTime ? Number(last.split(" ")[1]) : (p.resourceUsage()?.maxRSS ?? 0);
  return { seconds, peakRssMb: kb / 1024, lines: 0 };
}

async function countEvents(file: string): Promise<number> {
  const p = Bun.spawn(["sh", "-c", `trace-cmd report -i '${file}' 2>/dev/null | wc -l`], { stdout: "pipe" });
  return Number((await new Response(p.stdout).text()).trim()) - 1;
}

async function bench(label: string, file: string, repeat: number): Promise<void> {
  const events = await countEvents(file);
  const sizeMb = statSync(file).size / 1e6;
  const best = async (cmd: string[]) => {
    const runs: Run[] = [];
    for (let i = 0; i < repeat; i++) runs.push(await timed(cmd));
    return runs.reduce((a, b) => (a.seconds <= b.seconds ? a : b));
  };
  const tc = await best(["trace-cmd", "report", "-i", file]);
  const vt = await best([...VTRACE, "report", "-i", file]);
  const rate = (r: Run) => Math.round(events / r.seconds).toLocaleString("en-US");
  console.log(`${label}: ${events.toLocaleString("en-US")} events, ${sizeMb.toFixed(1)} MB`);
  console.log(`  trace-cmd report: ${tc.seconds.toFixed(3)} s, ${rate(tc)} events/s, peak RSS ${tc.peakRssMb.toFixed(1)} MB`);
  console.log(`  vtrace report:    ${vt.seconds.toFixed(3)} s, ${rate(vt)} events/s, peak RSS ${vt.peakRssMb.toFixed(1)} MB`);
  console.log(`  ratio (trace-cmd time / vtrace time): ${(tc.seconds / vt.seconds).toFixed(2)}x`);
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
