// Benchmark: `vtrace record` against a plain C splice loop, both moving the same heavy event load
// (sched + syscalls on both CPUs) out of a private ftrace instance, measured in the same run.
// Prints MB/s captured, recorder CPU ms per MB, events lost, and the CPU ratio vtrace / C.
//   bun test/bench/record.bench.ts [--runs N] [--seconds S]

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus as osCpus } from "node:os";
import { join } from "node:path";

const REPO = join(import.meta.dir, "../..");
const TRACEFS = "/sys/kernel/tracing";
const VTRACE = join(REPO, "dist/vtrace");
const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf("--runs") + 1]) || 3;
const LOAD_COUNT = Number(args[args.indexOf("--count") + 1]) || 300_000;
const NCPUS = osCpus().length;
const BUFFER_KB = 8192;

interface Measure {
  bytes: number;
  /** CPU of all the recorder's threads while the load ran (capture phase only). */
  cpuMs: number;
  /** CPU of the whole process, start-up and file writing included. */
  totalCpuMs: number;
  seconds: number;
  lost: number;
}

function buildBaseline(dir: string): string {
  const bin = join(dir, "splice-loop");
  const r = Bun.spawnSync(["gcc", "-O2", "-pthread", "-o", bin, join(import.meta.dir, "c/splice-loop.c")]);
  if (r.exitCode !== 0) throw new Error(`gcc failed: ${r.stderr}`);
  return bin;
}

/** The load: dd with 64-byte blocks, one per CPU, pinned; each block is a read and a write syscall. */
async function runLoad(): Promise<number> {
  const t0 = performance.now();
  const procs = Array.from({ length: NCPUS }, (_, cpu) =>
    Bun.spawn(["taskset", "-c", String(cpu), "dd", "if=/dev/zero", "of=/dev/null", "bs=64", `count=${LOAD_COUNT}`], { stderr: "ignore" }),
  );
  await Promise.all(procs.map((p) => p.exited));
  return (performance.now() - t0) / 1000;
}

function lostIn(inst: string): number {
  let lost = 0;
  for (let cpu = 0; cpu < NCPUS; cpu++) {
    const text = readFileSync(`${inst}/per_cpu/cpu${cpu}/stats`, "utf8");
    lost += Number(/^overrun: (\d+)/m.exec(text)?.[1] ?? 0) + Number(/^dropped events: (\d+)/m.exec(text)?.[1] ?? 0);
  }
  return lost;
}

/** CPU time of every thread of a process, in ms (/proc/PID/task/TID/schedstat, ns precision). */
function threadsCpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // thread ended
    }
  }
  return ns / 1e6;
}

async function waitFor(cond: () => boolean): Promise<void> {
  const until = Date.now() + 15_000;
  while (!cond()) {
    if (Date.now() > until) throw new Error("timed out waiting for the recorder");
    await Bun.sleep(10);
  }
}

async function measureBaseline(bin: string, work: string, n: number): Promise<Measure> {
  const name = `vtrace-bench-c-${process.pid}-${n}`;
  const inst = `${TRACEFS}/instances/${name}`;
  mkdirSync(inst);
  try {
    writeFileSync(`${inst}/tracing_on`, "0");
    writeFileSync(`${inst}/buffer_size_kb`, String(BUFFER_KB));
    writeFileSync(`${inst}/set_event`, "sched:*\n");
    writeFileSync(`${inst}/set_event`, "syscalls:*\n", { flag: "a" });
    const out = join(work, `c${n}`);
    mkdirSync(out);
    const proc = Bun.spawn([bin, inst, out, String(NCPUS)], { stdout: "pipe", stderr: "pipe" });
    await waitFor(() => readdirSync(out).length === NCPUS);
    await Bun.sleep(100);
    const tids = readdirSync(`/proc/${proc.pid}/task`).join(" ");
    writeFileSync(`${inst}/set_event_notrace_pid`, tids);
    writeFileSync(`${inst}/tracing_on`, "1");
    const cpu0 = threadsCpuMs(proc.pid);
    const seconds = await runLoad();
    const cpuMs = threadsCpuMs(proc.pid) - cpu0;
    writeFileSync(`${inst}/tracing_on`, "0");
    proc.kill("SIGINT");
    await proc.exited;
    const bytes = Number((await new Response(proc.stdout).text()).trim());
    const usage = proc.resourceUsage()!;
    const totalCpuMs = Number(usage.cpuTime.user + usage.cpuTime.system) / 1000;
    return { bytes, cpuMs, totalCpuMs, seconds, lost: lostIn(inst) };
  } finally {
    writeFileSync(`${inst}/set_event`, "");
    Bun.spawnSync(["rmdir", inst]);
  }
}

async function measureVtrace(work: string, n: number): Promise<Measure> {
  const name = `vtrace-bench-v-${process.pid}-${n}`;
  const out = join(work, `v${n}.dat`);
  const proc = Bun.spawn([VTRACE, "record", "-B", name, "-b", String(BUFFER_KB), "-e", "sched", "-e", "syscalls", "-o", out], {
    stdout: "pipe",
    stderr: "pipe",
  });
  await waitFor(() => existsSync(`${out}.cpu0`) && readFileSync(`${TRACEFS}/instances/${name}/tracing_on`, "utf8") === "1\n");
  const cpu0 = threadsCpuMs(proc.pid);
  const seconds = await runLoad();
  const cpuMs = threadsCpuMs(proc.pid) - cpu0;
  proc.kill("SIGINT");
  await proc.exited;
  const summary = await new Response(proc.stderr).text();
  const bytes = [...summary.matchAll(/cpu\d+: ([\d.]+) (B|KiB|MiB|GiB)/g)].reduce((s, m) => s + toBytes(Number(m[1]), m[2]!), 0);
  const lost = [...summary.matchAll(/(\d+) lost/g)].reduce((s, m) => s + Number(m[1]), 0);
  const usage = proc.resourceUsage()!;
  const totalCpuMs = Number(usage.cpuTime.user + usage.cpuTime.system) / 1000;
  const fileBytes = statSync(out).size;
  if (fileBytes < bytes) throw new Error(`vtrace file ${fileBytes} B is smaller than the ${bytes} B it reports`);
  return { bytes, cpuMs, totalCpuMs, seconds, lost };
}

function settle(work: string): void {
  for (const f of readdirSync(work)) if (f !== "splice-loop") rmSync(join(work, f), { recursive: true, force: true });
  Bun.spawnSync(["sync"]);
}

function toBytes(v: number, unit: string): number {
  return v * ({ B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 } as Record<string, number>)[unit]!;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function summarize(label: string, ms: Measure[]) {
  const mbps = median(ms.map((m) => m.bytes / 1e6 / m.seconds));
  const cpuPerMb = median(ms.map((m) => m.cpuMs / (m.bytes / 1e6)));
  const lost = ms.reduce((s, m) => s + m.lost, 0);
  const mb = median(ms.map((m) => m.bytes / 1e6));
  const total = median(ms.map((m) => m.totalCpuMs));
  console.log(
    `${label.padEnd(16)} ${mb.toFixed(1).padStart(7)} MB ${mbps.toFixed(1).padStart(7)} MB/s ${cpuPerMb.toFixed(3).padStart(7)} CPU ms/MB (capture)  ${total.toFixed(0).padStart(5)} CPU ms total  lost ${lost}`,
  );
  return { mbps, cpuPerMb, lost };
}

if (process.getuid?.() !== 0 || !existsSync(`${TRACEFS}/trace_clock`)) {
  console.log("record bench skipped: needs root and tracefs");
  process.exit(0);
}
if (!existsSync(VTRACE)) {
  console.log("record bench: build first (npm run build)");
  process.exit(1);
}
const work = `/tmp/vtrace-bench-${process.pid}`;
mkdirSync(work, { recursive: true });
try {
  const bin = buildBaseline(work);
  const c: Measure[] = [];
  const v: Measure[] = [];
  for (let n = 0; n < RUNS; n++) {
    // Each run starts with no dirty page cache, so neither pays for the other's writeback.
    settle(work);
    c.push(await measureBaseline(bin, work, n));
    settle(work);
    v.push(await measureVtrace(work, n));
  }
  settle(work);
  console.log(`record bench: ${NCPUS} CPUs, sched + syscalls, ${RUNS} runs each, dd ${LOAD_COUNT} x 64 B per CPU, median`);
  const cs = summarize("C splice loop", c);
  const vs = summarize("vtrace record", v);
  console.log(`ratio vtrace/C: CPU per MB ${(vs.cpuPerMb / cs.cpuPerMb).toFixed(2)}x, throughput ${(vs.mbps / cs.mbps).toFixed(2)}x`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
