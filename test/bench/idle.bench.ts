// Benchmark: what an idle `vtrace agent` costs. Two identical 2-vCPU TCG guests wired the same way
// (trace ports and the control port on one virt-server); one runs `vtrace agent`, connected and
// waiting for orders, the other only sleeps. Prints each QEMU's CPU time over the same window
// (≥ 30 s) and the difference as a share of one host core; the goal is at most 1%. Also prints the
// idle agent's resident memory inside the guest, and trace-cmd's agent's beside it when it runs.
//   bun test/bench/idle.bench.ts [--seconds N]

import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { bootGuest, ensureGuestImage, guestSupport, type RunningGuest } from "../helpers/guest.ts";
import { waitForServer } from "../helpers/virt-server.ts";

const VTRACE = join(import.meta.dir, "../../dist/vtrace");
const args = process.argv.slice(2);
const SECONDS = Math.max(30, Number(args[args.indexOf("--seconds") + 1]) || 30);
const TICKS_PER_S = 100; // USER_HZ

const why = guestSupport();
if (why) {
  console.log(`idle bench skipped: ${why}`);
  process.exit(0);
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

/** Prints the agent's VmRSS on the console once it has waited a while. */
function rssProbe(agent: string, tag: string): string {
  return `${agent} & p=$!; sleep 15; echo "${tag} $(grep -E '^(State|VmRSS)' /proc/$p/status | tr -s ' \t\n' ' ')"; wait`;
}

const dir = `/tmp/vtrace-idle-bench-${process.pid}`;
const virtDir = `${dir}/virt`;
mkdirSync(dir, { recursive: true });
const guests: RunningGuest[] = [];
const server = Bun.spawn([VTRACE, "virt-server", "--virt-dir", virtDir, "-d", dir, "-l", `${dir}/server.log`], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
try {
  for (const g of ["idle-agent", "idle-plain"]) Bun.spawnSync([VTRACE, "setup-guest", g, "--cpus", "2", "--virt-dir", virtDir]);
  await waitForServer(virtDir);
  const image = await ensureGuestImage();
  const wiring = (name: string) => ({ name, cpus: 2, image, fifoDir: `${virtDir}/${name}`, controlSocket: `${virtDir}/agent-ctl-path`, timeoutMs: 600_000 });
  const agent = await bootGuest({ ...wiring("idle-agent"), command: rssProbe("vtrace agent", "VTRACE-AGENT-RSS") });
  const plain = await bootGuest({ ...wiring("idle-plain"), command: "sleep 100000" });
  guests.push(agent, plain);
  const rss = (await agent.waitForConsole(/VTRACE-AGENT-RSS[^\n]*VmRSS:\s*(\d+) kB/, 300_000)).match(/VTRACE-AGENT-RSS[^\n]*VmRSS:\s*(\d+) kB/)![1];
  const listed = Bun.spawnSync([VTRACE, "list-guests", "--virt-dir", virtDir]).stdout.toString();
  if (!/^idle-agent\s.*agent ready/m.test(listed)) throw new Error(`the agent is not connected:\n${listed}`);
  await Bun.sleep(5000); // both guests settle
  for (const g of [agent, plain]) {
    if (!Bun.file(`/proc/${g.pid}/stat`).size && !(await Bun.file(`/proc/${g.pid}/stat`).exists())) {
      throw new Error(`guest ${g.name} exited early:\n${g.console().slice(-2000)}\n${g.qemuStderr().slice(-2000)}`);
    }
  }
  const before = [cpuSeconds(agent.pid), cpuSeconds(plain.pid)];
  await Bun.sleep(SECONDS * 1000);
  const used = [cpuSeconds(agent.pid) - before[0]!, cpuSeconds(plain.pid) - before[1]!];
  const extra = ((used[0]! - used[1]!) / SECONDS) * 100;
  console.log(`idle bench: two 2-vCPU TCG guests over ${SECONDS} s, QEMU process CPU`);
  console.log(`  with a connected, idle vtrace agent: ${used[0]!.toFixed(2)} s`);
  console.log(`  without an agent:                    ${used[1]!.toFixed(2)} s`);
  console.log(`  the agent's cost: ${extra.toFixed(2)}% of one host core (goal: at most 1%)`);
  console.log(`  vtrace agent resident memory in the guest while idle: ${(Number(rss) / 1024).toFixed(1)} MB`);
  await traceCmdAgentRss(image.dir);
} finally {
  for (const g of guests) await g[Symbol.asyncDispose]();
  server.kill("SIGTERM");
  await server.exited;
  rmSync(dir, { recursive: true, force: true });
}

/** trace-cmd's agent in the same kind of guest (it listens on vsock, or TCP with -N). */
async function traceCmdAgentRss(_vtraceImage: string): Promise<void> {
  const tc = Bun.which("trace-cmd");
  if (!tc) return console.log("  trace-cmd agent: not measured (trace-cmd not installed)");
  const image = await ensureGuestImage(VTRACE, [`${tc}:/usr/bin/trace-cmd`]);
  const g = await bootGuest({ name: "idle-tc", cpus: 2, image, timeoutMs: 120_000, command: `ip link set lo up 2>/dev/null; ${rssProbe("trace-cmd agent -N 127.0.0.1", "TC-AGENT-RSS")}` });
  try {
    const text = await g.waitForConsole(/TC-AGENT-RSS[^\n]*\n/, 90_000);
    const m = /State:\s*S[^V]*VmRSS:\s*(\d+) kB/.exec(text);
    console.log(m ? `  trace-cmd agent resident memory in the guest while idle: ${(Number(m[1]) / 1024).toFixed(1)} MB` : `  trace-cmd agent: not waiting after 15 s (${text.trim()})`);
  } finally {
    await g[Symbol.asyncDispose]();
  }
}
