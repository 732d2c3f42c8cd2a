// Benchmark: the cost of many streams. A `vtrace virt-server` receives 8, 32 and 128 vCPU streams at
// once from fake guests (4 vCPUs each) that speak the real protocol and write real recorded pages
// into the trace-path-cpuN FIFOs, as QEMU would; then the recorder's own machinery (the pool that
// `record` uses) with the same numbers of simulated streams, far more than this machine has CPUs.
// Prints per step: peak RSS, threads, CPU per MB and pages lost, and the RSS growth per added stream
// against the idle process measured in the same run (goal: <= 0.5 MB a stream, < 150 MB at 128).
//   bun test/bench/virt-streams.bench.ts [--mb-per-stream N]

import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { cpus as osCpus } from "node:os";
import { join } from "node:path";
import { makeFifo } from "../../ffi/fifo.ts";
import { connectFakeGuest, sendMetadataTo, splitV6, writeFifo } from "../helpers/fake-guest.ts";
import { openFileSource } from "../../src/io/file-source.ts";
import { openTraceDat } from "../../src/tracedat/reader/open.ts";
import { encodeV6Head } from "../../src/tracedat/writer-v6.ts";
import { dumpFlyrecord } from "../helpers/tracecmd.ts";
import { waitForServer } from "../helpers/virt-server.ts";

const REPO = join(import.meta.dir, "../..");
const VTRACE = join(REPO, "dist/vtrace");
const args = process.argv.slice(2);
const MB_PER_STREAM = Number(args[args.indexOf("--mb-per-stream") + 1]) || 2;
const STEPS = [8, 32, 128];
const VCPUS = 4;
const PAGE = 4096;

interface Sample {
  peakRssMb: number;
  threads: number;
}

interface Step extends Sample {
  streams: number;
  mb: number;
  cpuMs: number;
  seconds: number;
  lostPages: number;
}

/** Process CPU (all threads, the ended ones too) in ms, from /proc/PID/stat utime + stime. */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function status(pid: number): { rssMb: number; threads: number } {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  return { rssMb: Number(/^VmRSS:\s+(\d+)/m.exec(text)![1]) / 1024, threads: Number(/^Threads:\s+(\d+)/m.exec(text)![1]) };
}

/** Samples RSS and threads every 20 ms while `work` runs; returns the peaks. */
async function sampled<T>(pid: number, work: Promise<T>): Promise<Sample & { value: T }> {
  const peak = { peakRssMb: 0, threads: 0 };
  const take = () => {
    const s = status(pid);
    peak.peakRssMb = Math.max(peak.peakRssMb, s.rssMb);
    peak.threads = Math.max(peak.threads, s.threads);
  };
  const timer = setInterval(take, 20);
  try {
    const value = await work;
    take();
    return { ...peak, value };
  } finally {
    clearInterval(timer);
  }
}

/** The same head without kallsyms (a few MB of text each guest sends): what is left is the streams' own cost. */
function headWithoutKallsyms(file: string, vcpus: number): Uint8Array {
  using src = openFileSource(file);
  const dat = openTraceDat(src);
  return encodeV6Head(dat.params, { ...dat.metadata, kallsyms: new Uint8Array(0) }, vcpus, dat.options.stored);
}

/** The pages every stream sends: a real recording's cpu0 pages, repeated to MB_PER_STREAM. */
async function seedPages(work: string): Promise<{ head: Uint8Array; bareHead: Uint8Array; pages: Uint8Array }> {
  const file = join(work, "seed.dat");
  const rec = Bun.spawnSync([VTRACE, "record", "-B", `vtrace-bench-seed-${process.pid}`, "-e", "sched", "-e", "syscalls", "-o", file, "--", "sh", "-c", "ls -R /usr/lib >/dev/null"], { stderr: "pipe" });
  if (rec.exitCode !== 0) throw new Error(`seed recording failed: ${rec.stderr}`);
  const [cpu0] = await dumpFlyrecord(file);
  const seed = splitV6(file, cpu0!.offset, cpu0!.size);
  // The seed machine's CPU count becomes the fake guests' vCPU count (the u32 before "options  ").
  const head = seed.head.slice();
  const optionsAt = Buffer.from(head).lastIndexOf("options  \0");
  new DataView(head.buffer).setUint32(optionsAt - 4, VCPUS, true);
  const want = MB_PER_STREAM * 1024 * 1024;
  const pages = new Uint8Array(want);
  for (let at = 0; at < want; at += seed.pages.length) pages.set(seed.pages.subarray(0, Math.min(seed.pages.length, want - at)), at);
  return { head, bareHead: headWithoutKallsyms(file, VCPUS), pages };
}

/** As QEMU's reconnecting chardev: a full listen backlog (many guests at once) is retried. */
async function connectRetrying(path: string): Promise<Awaited<ReturnType<typeof connectFakeGuest>>> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await connectFakeGuest(path);
    } catch (e) {
      if (attempt >= 100) throw e;
      await Bun.sleep(50);
    }
  }
}

async function guestSession(virtDir: string, name: string, head: Uint8Array, pages: Uint8Array): Promise<void> {
  const g = await connectRetrying(`${virtDir}/agent-ctl-path`);
  g.send({ cmd: "TINIT", cpus: VCPUS, pageSize: PAGE, options: ["virt", `name=${name}`] });
  const rinit = await g.next(30_000);
  if (rinit.cmd !== "RINIT") throw new Error(`${name}: expected RINIT, got ${rinit.cmd}`);
  sendMetadataTo(g, head);
  await g.drained();
  await Promise.all(Array.from({ length: VCPUS }, (_, cpu) => writeFifo(`${virtDir}/${name}/trace-path-cpu${cpu}.out`, pages)));
  g.send({ cmd: "CLOSE" });
  const resp = await g.next(120_000);
  if (resp.cmd !== "CLOSE_RESP") throw new Error(`${name}: expected CLOSE_RESP, got ${resp.cmd}`);
  g.close();
}

async function lostPagesIn(files: string[], pagesPerStream: number): Promise<number> {
  let lost = 0;
  for (const f of files) {
    if (!existsSync(f)) {
      lost += VCPUS * pagesPerStream;
      continue;
    }
    const table = await dumpFlyrecord(f);
    for (let cpu = 0; cpu < VCPUS; cpu++) lost += pagesPerStream - (table[cpu]?.size ?? 0) / PAGE;
  }
  return lost;
}

async function virtServerSteps(work: string, seed: { head: Uint8Array; pages: Uint8Array }): Promise<{ idle: Sample; steps: Step[] }> {
  const virtDir = join(work, "virt");
  const outDir = join(work, "out");
  mkdirSync(outDir, { recursive: true });
  const guests = STEPS.at(-1)! / VCPUS;
  for (let i = 0; i < guests; i++) {
    const r = Bun.spawnSync([VTRACE, "setup-guest", `g${i}`, "--cpus", String(VCPUS), "--dir", virtDir], { stdout: "ignore", stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`setup-guest failed: ${r.stderr}`);
  }
  const server = Bun.spawn([VTRACE, "virt-server", "--dir", virtDir, "-d", outDir, "-o", "b", "-l", join(work, "server.log")], { stdout: "ignore", stderr: "ignore" });
  try {
    await waitForServer(virtDir);
    await Bun.sleep(500);
    const idle = { peakRssMb: status(server.pid).rssMb, threads: status(server.pid).threads };
    const steps: Step[] = [];
    for (const streams of STEPS) {
      const names = Array.from({ length: streams / VCPUS }, (_, i) => `g${i}`);
      const cpu0 = processCpuMs(server.pid);
      const t0 = performance.now();
      const s = await sampled(server.pid, Promise.all(names.map((n) => guestSession(virtDir, n, seed.head, seed.pages))));
      const seconds = (performance.now() - t0) / 1000;
      const cpuMs = processCpuMs(server.pid) - cpu0;
      const lostPages = await lostPagesIn(names.map((n) => join(outDir, `b.${n}.dat`)), seed.pages.length / PAGE);
      steps.push({ streams, mb: (streams * seed.pages.length) / 1e6, cpuMs, seconds, lostPages, peakRssMb: s.peakRssMb, threads: s.threads });
      rmSync(outDir, { recursive: true, force: true });
      mkdirSync(outDir);
    }
    return { idle, steps };
  } finally {
    server.kill("SIGINT");
    await server.exited;
  }
}

/**
 * The recorder's side alone, in a child process: one Recorder over `streams` FIFOs (simulated CPUs,
 * many more than this machine has) into files, through the same mover pool `record` uses.
 */
async function recorderChild(dir: string, streams: number): Promise<void> {
  const { Recorder } = await import("../../src/recorder/recorder.ts");
  const fifos = Array.from({ length: streams }, (_, i) => join(dir, `s${i}.fifo`));
  for (const f of fifos) makeFifo(f, 0o600);
  const rec = await Recorder.start({
    cpus: fifos.map((_, i) => i),
    rawPath: (i) => fifos[i]!,
    fifoSources: true,
    sink: (i) => ({ kind: "file", path: join(dir, `s${i}.out`) }),
    pageSize: PAGE,
  });
  process.stdout.write("ready\n");
  for await (const _ of console) break; // the parent says stop once it has written everything
  const results = await rec.stop();
  process.stdout.write(`${JSON.stringify(results.map((r) => r.written))}\n`);
}

async function recorderSteps(work: string, pages: Uint8Array): Promise<{ idle: Sample; steps: Step[] }> {
  const steps: Step[] = [];
  let idle: Sample | undefined;
  for (const streams of STEPS) {
    const dir = join(work, `rec${streams}`);
    mkdirSync(dir, { recursive: true });
    const child = Bun.spawn([process.execPath, import.meta.path, "--recorder-child", dir, String(streams)], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    if (!(await lines.read()).value?.startsWith("ready")) throw new Error("recorder child did not start");
    await Bun.sleep(300);
    idle ??= { peakRssMb: status(child.pid).rssMb, threads: status(child.pid).threads };
    const cpu0 = processCpuMs(child.pid);
    const t0 = performance.now();
    const s = await sampled(child.pid, Promise.all(Array.from({ length: streams }, (_, i) => writeFifo(join(dir, `s${i}.fifo`), pages))));
    child.stdin.write("stop\n");
    child.stdin.end();
    let text = "";
    for (let r = await lines.read(); !r.done; r = await lines.read()) text += r.value;
    const seconds = (performance.now() - t0) / 1000;
    const cpuMs = processCpuMs(child.pid) - cpu0;
    await child.exited;
    const written = JSON.parse(text) as number[];
    const lostPages = written.reduce((sum, w) => sum + (pages.length - w) / PAGE, 0);
    steps.push({ streams, mb: (streams * pages.length) / 1e6, cpuMs, seconds, lostPages, peakRssMb: s.peakRssMb, threads: s.threads });
    rmSync(dir, { recursive: true, force: true });
  }
  return { idle: idle!, steps };
}

function print(title: string, r: { idle: Sample; steps: Step[] }): void {
  console.log(`${title}: idle ${r.idle.peakRssMb.toFixed(1)} MB RSS, ${r.idle.threads} threads (reference, same run)`);
  for (const s of r.steps) {
    const perStream = (s.peakRssMb - r.idle.peakRssMb) / s.streams;
    console.log(
      `  ${String(s.streams).padStart(3)} streams  ${s.mb.toFixed(0).padStart(4)} MB  RSS ${s.peakRssMb.toFixed(1).padStart(6)} MB (+${perStream.toFixed(2)} MB/stream vs idle)  threads ${String(s.threads).padStart(3)}  ${(s.cpuMs / s.mb).toFixed(2).padStart(5)} CPU ms/MB  ${(s.mb / s.seconds).toFixed(0).padStart(4)} MB/s  lost ${s.lostPages} pages`,
    );
  }
  const first = r.steps[0]!;
  const last = r.steps.at(-1)!;
  const growth = (last.peakRssMb - first.peakRssMb) / (last.streams - first.streams);
  const ok = growth <= 0.5 && last.peakRssMb < 150 && r.steps.every((s) => s.lostPages === 0);
  console.log(`  RSS growth ${first.streams} → ${last.streams} streams: ${growth.toFixed(3)} MB per added stream (goal <= 0.5, < 150 MB at ${last.streams}): ${ok ? "met" : "NOT met"}`);
}

if (args[0] === "--recorder-child") {
  await recorderChild(args[1]!, Number(args[2]));
  process.exit(0);
}
if (process.getuid?.() !== 0 || !existsSync("/sys/kernel/tracing/trace_clock")) {
  console.log("virt-streams bench skipped: needs root and tracefs (for the seed recording)");
  process.exit(0);
}
if (!existsSync(VTRACE)) {
  console.log("virt-streams bench: build first (npm run build)");
  process.exit(1);
}
const work = `/tmp/vtrace-bench-streams-${process.pid}`;
mkdirSync(work, { recursive: true });
try {
  const seed = await seedPages(work);
  console.log(`virt-streams bench: ${osCpus().length} CPUs, ${MB_PER_STREAM} MB of real recorded pages per stream, ${VCPUS} vCPUs per fake guest`);
  console.log(`guest metadata: ${(seed.head.length / 1e6).toFixed(1)} MB a guest as recorded here (kallsyms included), ${(seed.bareHead.length / 1e6).toFixed(2)} MB without kallsyms`);
  print("virt-server, real metadata", await virtServerSteps(join(work, "real"), seed));
  print("virt-server, metadata without kallsyms (the streams' own cost)", await virtServerSteps(join(work, "bare"), { ...seed, head: seed.bareHead }));
  print("recorder pool (record's movers, simulated CPUs)", await recorderSteps(work, seed.pages));
} finally {
  rmSync(work, { recursive: true, force: true });
}
