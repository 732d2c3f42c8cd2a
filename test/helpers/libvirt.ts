// A real libvirtd for the tests: started from Debian's packages when it is not running (there is
// no systemd here: `virtlogd -d; libvirtd -d`), and TCG domains that boot the test guest's kernel
// and initramfs directly with the <channel> XML that `vtrace setup-guest` prints.
//
// Measured on these machines (libvirt 9.0, QEMU 7.2): `virsh define` can take over a minute (the
// first call probes QEMU's capabilities), `virsh start` / `destroy` take seconds. libvirt passes
// `-name guest=NAME,debug-threads=on` and writes QEMU's pid to /run/libvirt/qemu/NAME.pid. QEMU
// runs as libvirt-qemu, so the kernel, initramfs and console file live where that user can read.

import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { GuestImage } from "./guest.ts";

export const LIBVIRT_URI = "qemu:///system";
export const IMAGE_DIR = "/var/lib/libvirt/images/vtrace-test";

/** Why libvirt tests cannot run here, or undefined. */
export function libvirtSupport(): string | undefined {
  for (const tool of ["virsh", "libvirtd", "virtlogd"]) {
    if (!Bun.which(tool, { PATH: `${process.env.PATH}:/usr/sbin:/sbin` })) return `${tool} not installed (apt-get install libvirt-daemon-system libvirt-clients)`;
  }
  return undefined;
}

export interface VirshResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function virsh(args: string[], timeoutMs = 180_000): Promise<VirshResult> {
  const proc = Bun.spawn(["virsh", "-c", LIBVIRT_URI, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: timeoutMs });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** Starts virtlogd and libvirtd unless libvirtd already answers; throws if it never does. */
export async function ensureLibvirtd(timeoutMs = 60_000): Promise<void> {
  if ((await virsh(["version"], 20_000)).code === 0) return;
  for (const daemon of ["virtlogd", "libvirtd"]) Bun.spawnSync([daemon, "-d"], { env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` } });
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await virsh(["version"], 20_000);
    if (r.code === 0) return;
    if (Date.now() > until) throw new Error(`libvirtd does not answer: ${r.stderr.trim()}`);
    await Bun.sleep(500);
  }
}

/** Stops libvirtd and starts it again (running domains go on): it looks for hook scripts only as it starts. */
export async function restartLibvirtd(): Promise<void> {
  Bun.spawnSync(["pkill", "-x", "libvirtd"]);
  for (let i = 0; i < 100 && Bun.spawnSync(["pgrep", "-x", "libvirtd"]).exitCode === 0; i++) await Bun.sleep(100);
  await ensureLibvirtd();
}

/** Copies the guest image where QEMU (user libvirt-qemu) can read it. */
export function publishImage(image: GuestImage): { kernel: string; initrd: string } {
  mkdirSync(IMAGE_DIR, { recursive: true, mode: 0o755 });
  const kernel = join(IMAGE_DIR, "vmlinux");
  const initrd = join(IMAGE_DIR, "initramfs.cpio");
  // Fixed paths keep the domain's XML the same across builds, so it need not be defined again.
  copyFileSync(image.kernel, kernel);
  copyFileSync(image.initrd, initrd);
  return { kernel, initrd };
}

export interface DomainSpec {
  name: string;
  cpus: number;
  kernel: string;
  initrd: string;
  /** What the guest's /init runs (base64 on the kernel command line). */
  command: string;
  /** Virtio ports the guest waits for before running the command. */
  ports: number;
  consoleLog: string;
  /** Inserted inside <devices>: what `vtrace setup-guest` printed. */
  channelsXml: string;
}

export function domainXml(d: DomainSpec): string {
  // As guest.ts: no crypto self-tests at boot (a TCG guest once spun in one for minutes).
  const cmdline = ["console=ttyS0", "panic=-1", "quiet", "loglevel=3", "cryptomgr.notests=1", `vtrace.ports=${d.ports}`, `vtrace.cmd=${Buffer.from(d.command).toString("base64")}`];
  return `<domain type='qemu'>
  <name>${d.name}</name>
  <memory unit='MiB'>1024</memory>
  <vcpu>${d.cpus}</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>${d.kernel}</kernel>
    <initrd>${d.initrd}</initrd>
    <cmdline>${cmdline.join(" ")}</cmdline>
  </os>
  <cpu mode='maximum'/>
  <on_reboot>destroy</on_reboot>
  <devices>
    <serial type='file'><source path='${d.consoleLog}'/></serial>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
${d.channelsXml.trimEnd().replace(/^/gm, "    ")}
  </devices>
</domain>
`;
}

/** The <channel> lines of `vtrace setup-guest`'s output (between its "# libvirt" and "# QEMU" comments). */
export function channelsOf(setupGuestOutput: string): string {
  const m = /^# libvirt:[^\n]*\n([\s\S]*?)^# QEMU/m.exec(setupGuestOutput);
  if (!m) throw new Error(`setup-guest printed no libvirt XML:\n${setupGuestOutput}`);
  return m[1]!;
}

export function qemuPidOf(domain: string): number | undefined {
  try {
    return Number.parseInt(readFileSync(`/run/libvirt/qemu/${domain}.pid`, "utf8"), 10);
  } catch {
    return undefined;
  }
}
