// Benchmark inside a real QEMU guest (TCG, 2 vCPUs): guest→host MB/s and guest CPU per MB for
// `vtrace record --virt` (splice into virtio-serial ports) against the plain baseline
// `cat trace_pipe_raw > /dev/virtio-ports/trace-path-cpuN`, same load, same guest image.
// CPU is the recorder's CPU while the load runs (vtrace: /proc/PID/task/*/schedstat deltas;
// the cat loops: `time` around them, their restarts included).
//   bun test/bench/guest.bench.ts [--count N]

import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { bootGuest, ensureGuestImage, guestSupport } from "../helpers/guest.ts";

const REPO = join(import.meta.dir, "../..");
const VTRACE = join(REPO, "dist/vtrace");
const args = process.argv.slice(2);
const COUNT = Number(args[args.indexOf("--count") + 1]) || 200_000;

const LOAD = `for c in 0 1; do taskset -c $c dd if=/dev/zero of=/dev/null bs=64 count=${COUNT} 2>/dev/null & done; wait`;
const T = "/sys/kernel/tracing";
const CPU_MS = `cpu_ms() { s=0; for f in /proc/$1/task/*/schedstat; do read a b c < $f; s=$((s + a)); done; echo $((s / 1000000)); }`;

const VTRACE_SCRIPT = `
${CPU_MS}
vtrace record --virt -b 4096 -e sched -e syscalls > /tmp/rec.log 2>&1 &
pid=$!
while ! grep -q "[0-9]" ${T}/set_event_notrace_pid; do sleep 0.1; done
sleep 0.5
c0=$(cpu_ms $pid); t0=$(date +%s%N 2>/dev/null || echo 0); s0=$(cut -d' ' -f1 /proc/uptime)
(${LOAD})
s1=$(cut -d' ' -f1 /proc/uptime); c1=$(cpu_ms $pid)
kill -INT $pid; wait $pid
cat /tmp/rec.log
echo "BENCH vtrace cpu_ms=$((c1 - c0)) seconds=$s0:$s1"
`;

const CAT_SCRIPT = `
echo 0 > ${T}/tracing_on; echo 4096 > ${T}/buffer_size_kb
echo 'sched:*' > ${T}/set_event; echo 'syscalls:*' >> ${T}/set_event
echo > ${T}/trace
# event-fork: each loop shell puts itself in set_event_notrace_pid, and the cats it forks inherit it.
echo 1 > ${T}/options/event-fork
rm -f /tmp/stop
for c in 0 1; do
  ( time sh -c "echo \\$\\$ >> ${T}/set_event_notrace_pid; while [ ! -f /tmp/stop ]; do cat ${T}/per_cpu/cpu$c/trace_pipe_raw; done > /dev/virtio-ports/trace-path-cpu$c" ) 2> /tmp/time$c &
done
sleep 0.5
cat ${T}/set_event_notrace_pid
echo 1 > ${T}/tracing_on
s0=$(cut -d' ' -f1 /proc/uptime)
(${LOAD})
s1=$(cut -d' ' -f1 /proc/uptime)
echo 0 > ${T}/tracing_on
touch /tmp/stop; sleep 0.5; killall cat 2>/dev/null; sleep 0.5; killall cat 2>/dev/null; wait
cat /tmp/time0 /tmp/time1
echo "BENCH cat seconds=$s0:$s1"
`;

const NET_SCRIPT = (port: number) => `
ip link set eth0 up; ip addr add 10.0.2.15/24 dev eth0; ip route add default via 10.0.2.2
${CPU_MS}
vtrace record -N 10.0.2.2:${port} -t -b 4096 -e sched -e syscalls > /tmp/rec.log 2>&1 &
pid=$!
while ! grep -q "[0-9]" ${T}/set_event_notrace_pid; do sleep 0.1; done
sleep 0.5
c0=$(cpu_ms $pid); s0=$(cut -d' ' -f1 /proc/uptime)
(${LOAD})
s1=$(cut -d' ' -f1 /proc/uptime); c1=$(cpu_ms $pid)
kill -INT $pid; wait $pid
cat /tmp/rec.log
echo "BENCH net cpu_ms=$((c1 - c0)) seconds=$s0:$s1"
`;

async function runGuest(name: string, script: string, host: (dir: string) => Promise<() => Promise<number>>, network = false): Promise<{ console: string; bytes: number }> {
  const dir = `/tmp/vtrace-guest-bench-${process.pid}-${name}`;
  mkdirSync(dir, { recursive: true });
  try {
    const collect = await host(dir);
    const image = network ? await ensureGuestImage(undefined, [], ["virtio_net"]) : undefined;
    const guest = await bootGuest({ name, cpus: 2, fifoDir: `${dir}/virt/${name}`, controlSocket: `${dir}/virt/agent-ctl-path`, command: script, timeoutMs: 600_000, network, image });
    const r = await guest.result(600_000);
    return { console: r.console, bytes: await collect() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Host readers that count what arrives on each CPU's FIFO until QEMU closes it. */
async function countingReaders(dir: string) {
  const fifo = (cpu: number) => `${dir}/virt/cat/trace-path-cpu${cpu}.out`;
  Bun.spawnSync([VTRACE, "setup-guest", "cat", "--cpus", "2", "--dir", `${dir}/virt`]);
  const readers = [0, 1].map((cpu) => Bun.spawn(["sh", "-c", `wc -c < ${fifo(cpu)}`], { stdout: "pipe" }));
  return async () => {
    const counts = await Promise.all(readers.map(async (p) => Number((await new Response(p.stdout).text()).trim())));
    return counts.reduce((a, b) => a + b, 0);
  };
}

const NET_PORT = 24000 + (process.pid % 1000);

/** The network path: a vtrace listener on the host's loopback, reached from the guest as 10.0.2.2. */
async function listener(dir: string) {
  mkdirSync(`${dir}/out`, { recursive: true });
  const server = Bun.spawn([VTRACE, "listen", "-p", String(NET_PORT), "--bind", "127.0.0.1", "-d", `${dir}/out`], { stdout: "ignore", stderr: "ignore" });
  await Bun.sleep(300);
  return async () => {
    await Bun.sleep(1500);
    server.kill("SIGINT");
    await server.exited;
    const f = readdirSync(`${dir}/out`).find((n) => n.endsWith(".dat"));
    return f ? Bun.file(`${dir}/out/${f}`).size : 0;
  };
}

async function virtServer(dir: string) {
  Bun.spawnSync([VTRACE, "setup-guest", "vt", "--cpus", "2", "--dir", `${dir}/virt`]);
  mkdirSync(`${dir}/out`);
  const server = Bun.spawn([VTRACE, "virt-server", "--dir", `${dir}/virt`, "-d", `${dir}/out`], { stdout: "ignore", stderr: "ignore" });
  await Bun.sleep(300);
  return async () => {
    server.kill("SIGINT");
    await server.exited;
    return Bun.file(`${dir}/out/trace.vt.dat`).size;
  };
}

function seconds(console: string): number {
  const m = /seconds=([\d.]+):([\d.]+)/.exec(console)!;
  return Number(m[2]) - Number(m[1]);
}

function catCpuMs(console: string): number {
  // busybox time: "real 0m 1.23s\nuser 0m 0.10s\nsys 0m 0.50s"
  let ms = 0;
  for (const m of console.matchAll(/^(user|sys)\s+(\d+)m\s*([\d.]+)s/gm)) ms += (Number(m[2]) * 60 + Number(m[3])) * 1000;
  return ms;
}

const why = guestSupport();
if (why) {
  console.log(`guest bench skipped: ${why}`);
  process.exit(0);
}
const cat = await runGuest("cat", CAT_SCRIPT, countingReaders);
const vt = await runGuest("vt", VTRACE_SCRIPT, virtServer);
const net = await runGuest("net", NET_SCRIPT(NET_PORT), listener, true);
const rows = [
  { name: "cat > virtio port", bytes: cat.bytes, secs: seconds(cat.console), cpuMs: catCpuMs(cat.console) },
  { name: "vtrace record --virt", bytes: vt.bytes, secs: seconds(vt.console), cpuMs: Number(/cpu_ms=(\d+)/.exec(vt.console)![1]) },
  { name: "vtrace record -N (TCP)", bytes: net.bytes, secs: seconds(net.console), cpuMs: Number(/cpu_ms=(\d+)/.exec(net.console)?.[1] ?? NaN) },
];
console.log(`guest bench: TCG guest, 2 vCPUs, sched + syscalls, dd ${COUNT} x 64 B per vCPU`);
for (const r of rows) {
  const mb = r.bytes / 1e6;
  console.log(`${r.name.padEnd(22)} ${mb.toFixed(1).padStart(7)} MB ${(mb / r.secs).toFixed(1).padStart(6)} MB/s ${(r.cpuMs / mb).toFixed(1).padStart(7)} guest CPU ms/MB`);
}
const perMb = (r: (typeof rows)[0]) => r.cpuMs / (r.bytes / 1e6);
const [c, v, n] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
console.log(`ratio guest CPU per MB: --virt/cat ${(perMb(v) / perMb(c)).toFixed(2)}x, --virt/network ${(perMb(v) / perMb(n)).toFixed(2)}x`);
