// Benchmark: agent mode latency on TCG guests. Boots one 2-vCPU guest running `vtrace agent`,
// then runs `vtrace record -A` sessions and prints (from the command's own timing line) the time
// from the host command's start until the guest is tracing, and from stop until every file is
// closed. Target: under 1 s each. Reference: trace-cmd cannot do this here (its agent needs vsock).
//   bun test/bench/agent.bench.ts [--runs N]

import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { bootGuest, guestSupport } from "../helpers/guest.ts";

const VTRACE = join(import.meta.dir, "../../dist/vtrace");
const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf("--runs") + 1]) || 3;

const why = guestSupport();
if (why) {
  console.log(`agent bench skipped: ${why}`);
  process.exit(0);
}
const dir = `/tmp/vtrace-agent-bench-${process.pid}`;
const virtDir = `${dir}/virt`;
mkdirSync(dir, { recursive: true });
Bun.spawnSync([VTRACE, "setup-guest", "gb1", "--cpus", "2", "--dir", virtDir]);
const server = Bun.spawn([VTRACE, "virt-server", "--dir", virtDir, "-d", dir], { stdout: "ignore", stderr: "ignore" });
while (!existsSync(`${virtDir}/vtrace-ctl`)) await Bun.sleep(20);
const guest = await bootGuest({ name: "gb1", cpus: 2, fifoDir: `${virtDir}/gb1`, controlSocket: `${virtDir}/agent-ctl-path`, command: "vtrace agent", timeoutMs: 900_000 });
try {
  while (!/^gb1\s/m.test(Bun.spawnSync([VTRACE, "list-guests", "--dir", virtDir]).stdout.toString())) await Bun.sleep(300);
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
  await guest[Symbol.asyncDispose]();
  server.kill("SIGINT");
  await server.exited;
  rmSync(dir, { recursive: true, force: true });
}
