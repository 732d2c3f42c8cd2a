// `npm run demo`: the whole story on a fresh machine (root, Debian): build, boot a tiny TCG guest
// running `vtrace agent`, record the host and the guest together with one command, then print the
// merged timeline around the clock-sync probes and the measured sync accuracy.

import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { startAgentGuests } from "../test/helpers/agent-guests.ts";
import { guestSupport } from "../test/helpers/guest.ts";

const REPO = join(import.meta.dir, "..");
const VTRACE = join(REPO, "dist/vtrace");

function step(text: string): void {
  process.stdout.write(`\n== ${text}\n`);
}

function run(argv: string[]): { code: number; out: string; err: string } {
  const r = Bun.spawnSync(argv, { cwd: REPO });
  return { code: r.exitCode ?? 1, out: r.stdout.toString(), err: r.stderr.toString() };
}

const why = guestSupport();
if (why) {
  console.error(`demo: cannot boot a guest here: ${why}`);
  process.exit(2);
}
step("build dist/vtrace");
if (run([process.execPath, "build/compile.ts"]).code !== 0) process.exit(1);

const dir = `/tmp/vtrace-demo-${process.pid}`;
mkdirSync(dir, { recursive: true });
step("set up the guest's virtio-serial FIFOs, start the virt-server, boot a 2-vCPU QEMU guest (TCG) running 'vtrace agent'\n   (the guest image is built once from Debian packages)");
const set = await startAgentGuests({ dir, outDir: dir, guests: [{ name: "demo-guest" }], binary: VTRACE, bootTimeoutMs: 600_000 });
const virtDir = set.virtDir;
try {
  process.stdout.write(run([VTRACE, "list-guests", "--dir", virtDir]).out);

  step("record host and guest together: vtrace record -e sched -A demo-guest -e sched -- sleep 1");
  const out = `${dir}/trace.dat`;
  const rec = run([VTRACE, "record", "-B", "vtrace-demo", "-e", "sched", "-A", "demo-guest", "-e", "sched", "-o", out, "--virt-dir", virtDir, "--", "sleep", "1"]);
  process.stdout.write(rec.err);
  if (rec.code !== 0) process.exit(1);

  step("merged timeline (vtrace report -i trace.dat -i trace-demo-guest.dat): the clock-sync probes");
  const rep = run([VTRACE, "report", "-i", out, "-i", `${dir}/trace-demo-guest.dat`]).out.split("\n");
  const probes = rep.filter((l) => l.includes("vtrace-sync"));
  process.stdout.write(`${probes.slice(0, 9).join("\n")}\n`);
  step("merged timeline: guest and host scheduling side by side");
  const at = rep.findIndex((l) => l.startsWith("(demo-guest):") && l.includes("sched_switch"));
  process.stdout.write(`${rep.slice(Math.max(0, at - 4), at + 6).join("\n")}\n`);
  const sync = /clock offset (-?\d+) ± (\d+) cycles \((\d+) probes\)/.exec(rec.err);
  step("sync accuracy");
  process.stdout.write(
    sync ? `guest TSC = host TSC + ${sync[1]} cycles, ± ${sync[2]} cycles (the best round of ${sync[3]} probes)\n` : "no clock sync\n",
  );
  step("vtrace sync-check -i trace.dat -i trace-demo-guest.dat: the handshake's bound and the causal pairs the merge keeps in order");
  process.stdout.write(run([VTRACE, "sync-check", "-i", out, "-i", `${dir}/trace-demo-guest.dat`]).out);
} finally {
  await set[Symbol.asyncDispose]();
  rmSync(dir, { recursive: true, force: true });
}
