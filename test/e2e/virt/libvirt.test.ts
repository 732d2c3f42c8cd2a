// A real libvirtd and a `type='qemu'` domain wired by `vtrace setup-guest --attach` (the same
// <channel> XML it prints for `virsh edit`). The domain's life must not depend on vtrace: it starts with no
// virt-server, the agent is found within 5 s of a server (re)start or of the agent's own start,
// and every `record -A` writes a guest file trace-cmd reads. libvirt chowns the FIFOs to the
// QEMU user while the domain runs and gives them back at shutdown; the server must work either way.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, readFileSync, rmSync } from "node:fs";
import { instanceName, missing, run, skipBecause, VTRACE_BIN } from "../../helpers/env.ts";
import { ensureGuestImage, guestSupport } from "../../helpers/guest.ts";
import { domainXml, ensureLibvirtd, IMAGE_DIR, libvirtSupport, publishImage, qemuPidOf, restartLibvirtd, virsh } from "../../helpers/libvirt.ts";
import { eventLines, traceCmd } from "../../helpers/tracecmd.ts";
import { waitForServer } from "../../helpers/virt-server.ts";

const skip = skipBecause(guestSupport() ?? libvirtSupport() ?? missing({ tracefs: true, traceCmd: true, binary: true }), "libvirt e2e");

const DOMAIN = "vtrace-lv1";
const ROOT = "/tmp/vtrace-libvirt-test";
const VIRT_DIR = `${ROOT}/virt`;
const OUT = `${ROOT}/out`;
const CONSOLE = `${IMAGE_DIR}/${DOMAIN}-console.log`;
const AGENT_UP = "vtrace agent: waiting for the host";
const READY_WITHIN_MS = 5000;
/** Where setup-guest --libvirt-hook puts libvirt's hook; removed after the tests unless it was there before. */
const HOOK = "/etc/libvirt/hooks/qemu.d/vtrace";
const hookWasThere = existsSync(HOOK);

function uidOf(user: string): number {
  const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith(`${user}:`));
  return Number(line?.split(":")[2] ?? -1);
}

/** How many times the agent has started on this console file (libvirt truncates it at each start). */
function agentStarts(): number {
  try {
    return readFileSync(CONSOLE, "utf8").split(AGENT_UP).length - 1;
  } catch {
    return 0;
  }
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await Bun.sleep(50);
  }
}

/** Milliseconds until `list-guests` shows the domain's agent ready. */
async function msUntilListed(timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  await until(`${DOMAIN} listed by list-guests`, timeoutMs, async () => {
    const r = await run([VTRACE_BIN, "list-guests", "--virt-dir", VIRT_DIR]);
    return new RegExp(`^${DOMAIN}\\s+2\\s+\\d+\\s+agent ready`, "m").test(r.stdout) ? true : undefined;
  });
  return performance.now() - t0;
}

describe.skipIf(skip)("libvirt domain with setup-guest's XML (real libvirtd, TCG)", () => {
  let server: Bun.Subprocess | undefined;
  let servers = 0;
  let recordings = 0;

  const startServer = async () => {
    server = Bun.spawn([VTRACE_BIN, "virt-server", "--virt-dir", VIRT_DIR, "-d", OUT, "-l", `${ROOT}/server${++servers}.log`], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    await waitForServer(VIRT_DIR);
  };
  const stopServer = async () => {
    server?.kill("SIGTERM");
    await server?.exited;
    server = undefined;
  };

  async function recordWithGuest(): Promise<void> {
    const out = `${OUT}/t${++recordings}.dat`;
    const r = await run([VTRACE_BIN, "record", "-B", instanceName("lv"), "-e", "sched", "-A", DOMAIN, "-e", "sched", "-o", out, "--virt-dir", VIRT_DIR, "--", "sleep", "2"], { timeoutMs: 120_000 });
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    const guestFile = `${OUT}/t${recordings}-${DOMAIN}.dat`;
    const guest = await traceCmd(["report", "-i", guestFile]);
    expect({ code: guest.code, lines: eventLines(guest.stdout).length > 0 }).toEqual({ code: 0, lines: true });
    // libvirt names the vCPU threads (debug-threads=on): the GUEST option maps them, so trace-cmd merges.
    const merged = await traceCmd(["report", "-i", out, "-i", guestFile]);
    expect(merged.code).toBe(0);
    expect(merged.stdout).toContain(`${DOMAIN}`);
  }

  beforeAll(async () => {
    await ensureLibvirtd();
    await virsh(["destroy", DOMAIN]);
    rmSync(ROOT, { recursive: true, force: true });
    const { kernel, initrd } = publishImage(await ensureGuestImage());
    await run(["mkdir", "-p", OUT]);
    // The domain is defined without vtrace's channels; `setup-guest --attach` adds them (as a user
    // would), taking the vCPU count from libvirt. `virsh define` takes over a minute here, each
    // attach ~16 s: a domain defined from the same XML is kept, and a second --attach adds nothing.
    const xml = domainXml({ name: DOMAIN, cpus: 2, kernel, initrd, command: "exec vtrace agent", ports: 3, consoleLog: CONSOLE, channelsXml: "" });
    const hash = new Bun.CryptoHasher("sha256").update(xml).digest("hex").slice(0, 16);
    if ((await virsh(["desc", DOMAIN])).stdout.trim() !== hash) {
      await virsh(["undefine", DOMAIN]);
      await Bun.write(`${ROOT}/domain.xml`, xml.replace("<memory", `<description>${hash}</description>\n  <memory`));
      const def = await virsh(["define", `${ROOT}/domain.xml`], 300_000);
      expect(def.stderr).toBe("");
    }
    const setup = await run([VTRACE_BIN, "setup-guest", DOMAIN, "--attach", "--virt-dir", VIRT_DIR], { timeoutMs: 300_000 });
    expect({ code: setup.code, stderr: setup.stderr }).toEqual({ code: 0, stderr: "" });
    expect(setup.stdout).toMatch(new RegExp(`^# libvirt: (attached agent-ctl-path, trace-path-cpu0, trace-path-cpu1 to ${DOMAIN}'s configuration|${DOMAIN}'s configuration has the channels already)`, "m"));
    const config = (await virsh(["dumpxml", "--inactive", DOMAIN])).stdout;
    for (const path of [`${VIRT_DIR}/agent-ctl-path`, `${VIRT_DIR}/${DOMAIN}/trace-path-cpu0`, `${VIRT_DIR}/${DOMAIN}/trace-path-cpu1`]) expect(config).toContain(`path='${path}'`);
    const again = await run([VTRACE_BIN, "setup-guest", DOMAIN, "--attach", "--virt-dir", VIRT_DIR]);
    expect(again.stdout).toContain(`# libvirt: ${DOMAIN}'s configuration has the channels already`);
    rmSync(CONSOLE, { force: true });
  }, 600_000);

  afterAll(async () => {
    await stopServer();
    await virsh(["destroy", DOMAIN]);
    if (!hookWasThere) rmSync(HOOK, { force: true });
  });

  test("1. the domain starts while no virt-server runs, and its agent comes up", async () => {
    expect(await virsh(["start", DOMAIN])).toMatchObject({ code: 0 });
    await until("the agent's start on the console", 180_000, () => (agentStarts() >= 1 ? true : undefined));
  }, 200_000);

  test("2. a virt-server started afterwards has the agent (found through libvirt's pid file) within 5 s", async () => {
    await startServer();
    expect(await msUntilListed(20_000)).toBeLessThan(READY_WITHIN_MS);
    expect(readFileSync(`${ROOT}/server${servers}.log`, "utf8")).toContain(`agent ${DOMAIN}:${qemuPidOf(DOMAIN)} (libvirt) ready`);
  }, 60_000);

  test("3. record -A writes a guest file trace-cmd reads; the FIFOs belong to libvirt's QEMU user meanwhile, and setup-guest may run again", async () => {
    const fifo = `${VIRT_DIR}/${DOMAIN}/trace-path-cpu0.out`;
    expect(lstatSync(fifo).uid).toBe(uidOf("libvirt-qemu"));
    await recordWithGuest();
    expect((await run([VTRACE_BIN, "setup-guest", DOMAIN, "--cpus", "2", "--virt-dir", VIRT_DIR])).code).toBe(0);
    expect(lstatSync(fifo).uid).toBe(0);
    await recordWithGuest();
  }, 300_000);

  test("4-5. after a virt-server restart the agent is back within 5 s, and record -A works", async () => {
    await stopServer();
    await startServer();
    expect(await msUntilListed(20_000)).toBeLessThan(READY_WITHIN_MS);
    await recordWithGuest();
  }, 200_000);

  test("6-7. virsh destroy gives the FIFOs back; after virsh start the agent is found within 5 s of starting, and record -A works", async () => {
    expect(await virsh(["destroy", DOMAIN])).toMatchObject({ code: 0 });
    expect(lstatSync(`${VIRT_DIR}/${DOMAIN}/trace-path-cpu0.out`).uid).toBe(0);
    rmSync(CONSOLE, { force: true }); // libvirt starts a new console file
    expect(await virsh(["start", DOMAIN])).toMatchObject({ code: 0 });
    await until("the agent's new start on the console", 180_000, () => (agentStarts() >= 1 ? true : undefined));
    expect(await msUntilListed(20_000)).toBeLessThan(READY_WITHIN_MS);
    await recordWithGuest();
  }, 400_000);

  test("8. with setup-guest's libvirt hook, the domain starts after its virt folder is gone (a host reboot empties /tmp): the hook made the FIFOs, the agent is found within 5 s, record -A works", async () => {
    const setup = await run([VTRACE_BIN, "setup-guest", DOMAIN, "--cpus", "2", "--virt-dir", VIRT_DIR, "--libvirt-hook"]);
    expect({ code: setup.code, hook: setup.stdout.includes(`# libvirt hook: ${HOOK} `) }).toEqual({ code: 0, hook: true });
    await stopServer();
    expect(await virsh(["destroy", DOMAIN])).toMatchObject({ code: 0 });
    await restartLibvirtd();
    rmSync(VIRT_DIR, { recursive: true, force: true });
    rmSync(CONSOLE, { force: true });
    expect(await virsh(["start", DOMAIN])).toMatchObject({ code: 0 });
    // Nothing but the hook makes FIFOs: libvirt would have refused to start without them.
    expect(lstatSync(`${VIRT_DIR}/${DOMAIN}/trace-path-cpu1.out`).isFIFO()).toBe(true);
    await until("the agent's start on the console", 180_000, () => (agentStarts() >= 1 ? true : undefined));
    await startServer();
    expect(await msUntilListed(20_000)).toBeLessThan(READY_WITHIN_MS);
    await recordWithGuest();
  }, 400_000);
});
