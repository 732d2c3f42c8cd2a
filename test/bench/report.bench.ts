// Benchmark: `vtrace report` against `trace-cmd report` on the benchmark corpus (test/bench/corpus.ts:
// real recordings of varied workloads by both tools, v6 and v7, and a host + 2 guests set). Output goes
// into a pipe that this process drains (as `report | less` or `| grep` would read it); the two tools
// run interleaved, best of N by wall time, and both outputs are checked to be the same bytes (CRC-32).
//   bun test/bench/report.bench.ts [--runs N] [NAME...]

import { statSync } from "node:fs";
import { join } from "node:path";
import { CORPUS, cachedCount, corpusFiles, type CorpusEntry } from "./corpus.ts";

const REPO = join(import.meta.dir, "../..");
const VTRACE = join(REPO, "dist/vtrace");
const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const RUNS = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const names = args.filter((a, i) => !a.startsWith("--") && (runsAt < 0 || i !== runsAt + 1));

interface Run {
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  crc: number;
  bytes: number;
}

/** One run with stdout into a pipe this process drains; CPU and peak RSS from /usr/bin/time. */
async function piped(cmd: string[]): Promise<Run> {
  const t0 = performance.now();
  const p = Bun.spawn(["/usr/bin/time", "-f", "%U %S %M", ...cmd], { stdout: "pipe", stderr: "pipe" });
  let crc = 0;
  let bytes = 0;
  const drain = (async () => {
    for await (const chunk of p.stdout) {
      crc = Bun.hash.crc32(chunk, crc);
      bytes += chunk.length;
    }
  })();
  const [err] = await Promise.all([new Response(p.stderr).text(), drain, p.exited]);
  const seconds = (performance.now() - t0) / 1000;
  const [user, sys, kb] = (err.trim().split("\n").at(-1) ?? "").split(" ").map(Number);
  return { seconds, cpuSeconds: user! + sys!, peakRssMb: kb! / 1024, crc, bytes };
}

function countEvents(files: string[]): number {
  const key = files.map((f) => `${f}:${statSync(f).size}`).join(",");
  return cachedCount(key, () => {
    const inputs = files.map((f) => `-i '${f}'`).join(" ");
    const out = Bun.spawnSync(["sh", "-c", `trace-cmd report ${inputs} 2>/dev/null | grep -c '\\[[0-9][0-9][0-9]\\]'`]).stdout.toString();
    return Number(out.trim());
  });
}

export interface BenchRow {
  entry: CorpusEntry;
  events: number;
  mb: number;
  tc: Run;
  vt: Run;
  same: boolean;
}

async function bench(entry: CorpusEntry): Promise<BenchRow | undefined> {
  const files = await corpusFiles(entry);
  if (!files) return undefined;
  const inputs = files.flatMap((f) => ["-i", f]);
  const tcCmd = ["trace-cmd", "report", ...inputs];
  // A merge set: trace-cmd's file-name prefixes, so the two outputs can be compared byte for byte.
  const vtCmd = [VTRACE, "report", ...inputs, ...(files.length > 1 ? ["--name-prefix", "file"] : [])];
  const tcRuns: Run[] = [];
  const vtRuns: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    tcRuns.push(await piped(tcCmd));
    vtRuns.push(await piped(vtCmd));
  }
  const best = (runs: Run[]) => runs.reduce((a, b) => (a.seconds <= b.seconds ? a : b));
  const tc = best(tcRuns);
  const vt = best(vtRuns);
  const mb = files.reduce((n, f) => n + statSync(f).size, 0) / 1e6;
  const same = tcRuns.every((r) => r.crc === vt.crc && r.bytes === vt.bytes) && vtRuns.every((r) => r.crc === vt.crc);
  return { entry, events: countEvents(files), mb, tc, vt, same };
}

function goal(events: number): number {
  return events >= 2_000_000 ? 3 : events >= 50_000 ? 1.5 : 1;
}

const rows: BenchRow[] = [];
const picked = names.length > 0 ? CORPUS.filter((e) => names.includes(e.name)) : CORPUS;
console.log(`report: trace-cmd vs vtrace, output into a pipe, best of ${RUNS} by wall time (interleaved)`);
for (const entry of picked) {
  const row = await bench(entry);
  if (!row) continue;
  rows.push(row);
  const { tc, vt } = row;
  const ratio = tc.seconds / vt.seconds;
  console.log(
    `  ${entry.name}: ${row.events.toLocaleString("en-US")} events, ${row.mb.toFixed(1)} MB; trace-cmd ${tc.seconds.toFixed(2)} s (${tc.peakRssMb.toFixed(0)} MB), ` +
      `vtrace ${vt.seconds.toFixed(2)} s (cpu ${vt.cpuSeconds.toFixed(2)} s, ${vt.peakRssMb.toFixed(0)} MB): ${ratio.toFixed(2)}x (goal ${goal(row.events)}x)${row.same ? "" : "; OUTPUT DIFFERS"}`,
  );
}
console.log("\n| recording | events | size | trace-cmd | vtrace | ratio | vtrace peak RSS |\n|---|---|---|---|---|---|---|");
for (const { entry, events, mb, tc, vt, same } of rows) {
  const ratio = `${(tc.seconds / vt.seconds).toFixed(2)}x${same ? "" : " (output differs)"}`;
  console.log(`| ${entry.what} | ${events.toLocaleString("en-US")} | ${mb.toFixed(1)} MB | ${tc.seconds.toFixed(2)} s | ${vt.seconds.toFixed(2)} s | **${ratio}** | ${vt.peakRssMb.toFixed(0)} MB |`);
}
const missed = rows.filter((r) => r.tc.seconds / r.vt.seconds < goal(r.events) || !r.same);
if (missed.length > 0) console.log(`\nbelow goal or different: ${missed.map((r) => r.entry.name).join(", ")}`);
