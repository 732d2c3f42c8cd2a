// Benchmark: agent mode latency on TCG guests. Boots one 2-vCPU guest running `vtrace agent`,
// then runs `vtrace record -A` sessions and prints (from the command's own timing line) the time
// from the host command's start until the guest is tracing, and from stop until every file is
// closed. Target: under 1 s each. Reference: trace-cmd cannot do this here (its agent needs vsock).
//   bun test/bench/agent.bench.ts [--runs N]

import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { startAgentGuests } from "../helpers/agent-guests.ts";
import { guestSupport } from "../helpers/guest.ts";

const VTRACE = join(import.meta.dir, "../../dist/vtrace");
const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf("--runs") + 1]) || 3;

const why = guestSupport();
if (why) {
  console.log(`agent bench skipped: ${why}`);
  process.exit(0);
}
const dir = `/tmp/vtrace-agent-bench-${process.pid}`;
mkdirSync(dir, { recursive: true });
const set = await startAgentGuests({ dir, outDir: dir, guests: [{ name: "gb1" }] });
const virtDir = set.virtDir;
try {
  const starts: number[] = [];
  const closes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = Bun.spawnSync([VTRACE, "record", "-B", `vtrace-agent-bench-${i}`, "-e", "sched", "-A", "gb1", "-e", "sched", "-o", `${dir}/r${i}.dat`, "--virt-dir", virtDir, "--", "sleep", "1"]);
    const m = /guests tracing (\d+) ms after start; guest files closed (\d+) ms after stop/.exec(r.stderr.toString());
    if (!m) throw new Error(`no timing line: ${r.stderr}`);
    starts.push(Number(m[1]));
    closes.push(Number(m[2]));
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`agent bench: 1 TCG guest (2 vCPUs), -e sched on host and guest, ${RUNS} sessions, median`);
  console.log(`host command → guest tracing: ${med(starts)} ms (runs: ${starts.join(", ")})`);
  console.log(`stop → all files closed:     ${med(closes)} ms (runs: ${closes.join(", ")})`);
} finally {
  await set[Symbol.asyncDispose]();
  rmSync(dir, { recursive: true, force: true });
}
