// Benchmark: `vtrace listen` against `trace-cmd listen` receiving the same stream in the same run.
// A synthetic v3 client (this file) sends real metadata, then MB_PER_CPU of real pages to each
// CPU's TCP data port as fast as loopback allows, then CLOSE. Measured: MB/s from the first data
// byte until the output file is complete, and the listener's CPU (user+sys of the process and the
// children it reaped) per MB.
//   bun test/bench/listen.bench.ts [--mb N] [--runs N]

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { MSG_WAIT_MS } from "../../src/msg/commands.ts";
import { connectTcp } from "../../src/transport/tcp-client.ts";
import { handshakeV3, negotiatePorts, sendMetadata } from "../../src/net/listener-client.ts";

const REPO = join(import.meta.dir, "../..");
const VTRACE = join(REPO, "dist/vtrace");
const args = process.argv.slice(2);
const MB_PER_CPU = Number(args[args.indexOf("--mb") + 1]) || 128;
const RUNS = Number(args[args.indexOf("--runs") + 1]) || 3;
const CPUS = 2;

interface Sample {
  mbps: number;
  cpuMsPerMb: number;
}

/** A small real recording gives the metadata head and a set of valid pages to repeat. */
async function realTrace(work: string): Promise<{ head: Uint8Array; pages: Uint8Array }> {
  const file = join(work, "seed.dat");
  const r = Bun.spawnSync([VTRACE, "record", "-B", `vtrace-bench-l-${process.pid}`, "-e", "sched", "-e", "irq", "-o", file, "--", "sh", "-c", "ls -R /usr >/dev/null"]);
  if (r.exitCode !== 0) throw new Error(`seed recording failed: ${r.stderr}`);
  const bytes = new Uint8Array(readFileSync(file));
  const fly = Bun.spawnSync(["trace-cmd", "dump", "--flyrecord", "-i", file]).stdout.toString();
  const first = /^\s*(\d+)\s+(\d+)\s+\[offset, size of cpu 0\]/m.exec(fly)!;
  const dataStart = Number(first[1]);
  // The head is everything before "flyrecord".
  const flyAt = Buffer.from(bytes).lastIndexOf("flyrecord\0", dataStart);
  return { head: bytes.subarray(0, flyAt), pages: bytes.subarray(dataStart, dataStart + Number(first[2])) };
}

function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = s.port;
  s.stop(true);
  return p;
}

async function sendStream(port: number, seed: { head: Uint8Array; pages: Uint8Array }): Promise<number> {
  const ch = await connectWithRetry(port);
  await handshakeV3(ch);
  const ports = await negotiatePorts(ch, CPUS, 4096, true);
  sendMetadata(ch, seed.head);
  const chunk = new Uint8Array(1 << 20);
  for (let at = 0; at < chunk.length; at += seed.pages.length) chunk.set(seed.pages.subarray(0, Math.min(seed.pages.length, chunk.length - at)), at);
  const t0 = performance.now();
  await Promise.all(ports.map((p) => blast(p, chunk, MB_PER_CPU)));
  ch.sendMessage({ cmd: "CLOSE" });
  await Bun.sleep(20);
  ch.close();
  return t0;
}

/** The listener may still be starting: retry for a few seconds. */
async function connectWithRetry(port: number) {
  for (let i = 0; ; i++) {
    try {
      return await connectTcp("127.0.0.1", port, MSG_WAIT_MS);
    } catch (e) {
      if (i > 50) throw e;
      await Bun.sleep(100);
    }
  }
}

/** Writes `mb` MiB to a TCP port, honouring backpressure. */
async function blast(port: number, chunk: Uint8Array, mb: number): Promise<void> {
  let left = mb;
  let offset = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const pump = (s: Bun.Socket<undefined>) => {
    while (left > 0) {
      const n = s.write(chunk.subarray(offset));
      offset += n;
      if (offset < chunk.length) return; // wait for drain
      offset = 0;
      left--;
    }
    s.end();
    done();
  };
  await Bun.connect({ hostname: "127.0.0.1", port, socket: { open: pump, drain: pump, data() {} } });
  return finished;
}

async function waitDone(dir: string): Promise<void> {
  const want = CPUS * MB_PER_CPU * 1024 * 1024;
  for (;;) {
    const names = readdirSync(dir);
    const dat = names.find((n) => n.endsWith(".dat") && n !== "seed.dat");
    if (dat && !names.some((n) => /\.cpu\d+$/.test(n)) && statSync(join(dir, dat)).size >= want) return;
    await Bun.sleep(20);
  }
}

async function measure(kind: "vtrace" | "trace-cmd", seed: { head: Uint8Array; pages: Uint8Array }, work: string): Promise<Sample> {
  const dir = join(work, `${kind}-${Date.now()}`);
  mkdirSync(dir);
  const port = freePort();
  const argv = kind === "vtrace" ? [VTRACE, "listen", "-p", String(port), "--bind", "127.0.0.1", "-d", dir] : ["trace-cmd", "listen", "-p", String(port), "-d", dir];
  const proc = Bun.spawn(argv, { stdout: "ignore", stderr: "ignore" });
  await Bun.sleep(300);
  const t0 = await sendStream(port, seed);
  await waitDone(dir);
  const seconds = (performance.now() - t0) / 1000;
  proc.kill("SIGINT");
  await proc.exited;
  const u = proc.resourceUsage()!;
  const cpuMs = Number(u.cpuTime.user + u.cpuTime.system) / 1000;
  const mb = (CPUS * MB_PER_CPU * 1024 * 1024) / 1e6;
  rmSync(dir, { recursive: true, force: true });
  Bun.spawnSync(["sync"]);
  return { mbps: mb / seconds, cpuMsPerMb: cpuMs / mb };
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

if (!existsSync(VTRACE) || !Bun.which("trace-cmd")) {
  console.log("listen bench: needs dist/vtrace (npm run build) and trace-cmd");
  process.exit(1);
}
const work = `/tmp/vtrace-listen-bench-${process.pid}`;
mkdirSync(work, { recursive: true });
try {
  const seed = await realTrace(work);
  const v: Sample[] = [];
  const t: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    t.push(await measure("trace-cmd", seed, work));
    v.push(await measure("vtrace", seed, work));
  }
  const row = (name: string, s: Sample[]) => {
    const mbps = median(s.map((x) => x.mbps));
    const cpu = median(s.map((x) => x.cpuMsPerMb));
    console.log(`${name.padEnd(18)} ${mbps.toFixed(0).padStart(6)} MB/s  ${cpu.toFixed(2).padStart(6)} CPU ms/MB`);
    return { mbps, cpu };
  };
  console.log(`listen bench: TCP over loopback, ${CPUS} CPUs x ${MB_PER_CPU} MiB, ${RUNS} runs each, median`);
  const tc = row("trace-cmd listen", t);
  const vt = row("vtrace listen", v);
  console.log(`ratio vtrace/trace-cmd: throughput ${(vt.mbps / tc.mbps).toFixed(2)}x, CPU per MB ${(vt.cpu / tc.cpu).toFixed(2)}x`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
