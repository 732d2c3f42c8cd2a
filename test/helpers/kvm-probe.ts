// Can the test guest run under KVM here? Boots it once with `-accel kvm` (and `-cpu host`, which KVM
// needs; arch-capabilities is dropped because this nested setup refuses MSR 0x10a) and waits at most
// 20 s for its init's ready line: nested KVM guests often stall early in boot, and then every KVM
// test variant skips with the probe's one-line reason. The result is cached for the test run.

import { existsSync } from "node:fs";
import { ensureGuestImage, GUEST_READY, guestSupport, QEMU, qemuArgs, type GuestImage, type GuestOptions } from "./guest.ts";

export const KVM_BOOT_TIMEOUT_MS = 20_000;

export type KvmProbe = { ok: true; readyMs: number } | { ok: false; reason: string };

let cached: Promise<KvmProbe> | undefined;

/** The probe's result, computed once per test run. */
export function probeKvm(): Promise<KvmProbe> {
  cached ??= runProbe();
  return cached;
}

/** QEMU arguments for `opts` with KVM instead of TCG. */
export function kvmQemuArgs(opts: GuestOptions, image: GuestImage): string[] {
  const args = qemuArgs(opts, image);
  const accel = args.indexOf("-accel");
  const cpu = args.indexOf("-cpu");
  if (accel < 0 || cpu < 0) throw new Error("qemuArgs() no longer passes -accel and -cpu: update kvmQemuArgs()");
  args[accel + 1] = "kvm";
  args[cpu + 1] = "host,-arch-capabilities";
  return args;
}

async function runProbe(): Promise<KvmProbe> {
  const unsupported = guestSupport();
  if (unsupported) return { ok: false, reason: unsupported };
  if (!existsSync("/dev/kvm")) return { ok: false, reason: "no /dev/kvm" };
  const image = await ensureGuestImage();
  const started = Date.now();
  const proc = Bun.spawn([QEMU, ...kvmQemuArgs({ name: "kvm-probe", cpus: 2, command: "true" }, image)], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), KVM_BOOT_TIMEOUT_MS);
  let console = "";
  const decoder = new TextDecoder();
  try {
    for await (const chunk of proc.stdout) {
      console += decoder.decode(chunk, { stream: true });
      if (GUEST_READY.test(console)) return { ok: true, readyMs: Date.now() - started };
    }
    const stderr = (await new Response(proc.stderr).text()).trim().split("\n")[0] ?? "";
    const waited = Date.now() - started;
    if (waited >= KVM_BOOT_TIMEOUT_MS - 100) return { ok: false, reason: `a -accel kvm guest did not reach its init within ${KVM_BOOT_TIMEOUT_MS / 1000} s (nested KVM stalls in boot)` };
    return { ok: false, reason: `QEMU -accel kvm exited after ${waited} ms: ${stderr || "no message"}` };
  } finally {
    clearTimeout(timer);
    proc.kill("SIGKILL");
    await proc.exited;
  }
}
