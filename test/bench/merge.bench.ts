// Benchmark: merging host + 2 guests on one timeline. Boots two 2-vCPU TCG guests running
// `vtrace agent`, records the host and both guests with one `vtrace record -A` (x86-tsc, the clock-sync
// probes and TIME_SHIFT as in real use), then times `trace-cmd report` and `vtrace report` on the same
// three files in the same run (output to /dev/null), checks both print the same lines, and prints
// events/s, the ratio and peak RSS. The recorded set is kept in test/.cache/merge-set (delete it, or pass --fresh, to re-record).
//   bun test/bench/merge.bench.ts [--fresh] [--runs N]

import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { MERGE_SET_DIR as SET, mergeSet, mergeSetUnavailable } from "./corpus-merge.ts";
import { bestOf, layersOnlyCommand, SMALL_HEAP_ENV, timed, type Run } from "./timing.ts";

const REPO = join(import.meta.dir, "../..");
const VTRACE = join(REPO, "dist/vtrace");
const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf("--runs") + 1]) || 3;

const why = mergeSetUnavailable();
if (why && !args.includes("--fresh")) {
  console.log(`merge bench skipped: ${why}`);
  process.exit(0);
}
const FILES = await mergeSet(args.includes("--fresh"));

const inputs = FILES.flatMap((f) => ["-i", f]);
const best = (cmd: string[], env?: Record<string, string | undefined>) => bestOf(RUNS, cmd, "seconds", env);
const TC = ["trace-cmd", "report", ...inputs];
const VT = [VTRACE, "report", ...inputs, "--name-prefix", "file"];
const tc = await best(TC);
const vt = await best(VT);
const tagged = await best([VTRACE, "report", ...inputs]);
const layers = await best([...layersOnlyCommand(), "report", ...inputs, "--name-prefix", "file"], SMALL_HEAP_ENV);
const [tcText, vtText] = [join(SET, "trace-cmd.txt"), join(SET, "vtrace.txt")];
await timed(TC, { outFile: tcText });
await timed(VT, { outFile: vtText });
const same = Bun.spawnSync(["cmp", "-s", tcText, vtText]).exitCode === 0;
const events = Number(Bun.spawnSync(["sh", "-c", `grep -c '\\[[0-9][0-9][0-9]\\]' '${tcText}'`]).stdout.toString().trim());
rmSync(tcText);
rmSync(vtText);
const mb = FILES.reduce((n, f) => n + statSync(f).size, 0) / 1e6;
const rate = (s: number) => Math.round(events / s).toLocaleString("en-US");
const show = (name: string, r: Run) =>
  console.log(`  ${name} ${r.seconds.toFixed(3)} s wall (${rate(r.seconds)} events/s), ${r.cpuSeconds.toFixed(3)} s cpu, peak RSS ${r.peakRssMb.toFixed(1)} MB`);
console.log(`host + 2 guests: ${events.toLocaleString("en-US")} events in ${mb.toFixed(1)} MB (best of ${RUNS} by wall time, output to /dev/null)`);
show("trace-cmd report:                ", tc);
show("vtrace report --name-prefix file:", vt);
show("vtrace report ((host)/(mg1) tags):", tagged);
show("vtrace, event info stubbed (reader+merge+layout+output only):", layers);
console.log(`  same lines as trace-cmd: ${same ? "yes" : "NO"}`);
console.log(`  speed ratio vtrace/trace-cmd: ${(tc.seconds / vt.seconds).toFixed(2)}x by wall time, ${(tc.cpuSeconds / vt.cpuSeconds).toFixed(2)}x by cpu time (target >= 2.5x)`);
console.log(`  layers-only ratio: ${(tc.seconds / layers.seconds).toFixed(2)}x by wall time, ${(tc.cpuSeconds / layers.cpuSeconds).toFixed(2)}x by cpu time`);
