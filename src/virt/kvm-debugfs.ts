// KVM's own TSC numbers for a guest, read on the host: debugfs kvm/<qemu-pid>-<vm-fd>/vcpuN/
// tsc-offset (guest TSC = host TSC + offset) and, with TSC scaling, tsc-scaling-ratio and
// tsc-scaling-ratio-frac-bits. Exact where they exist (hardware KVM); absent under TCG.
// Source of truth: kernel arch/x86/kvm/debugfs.c; trace-cmd 3.1.6 lib/trace-cmd/trace-timesync-kvm.c
// (the default ratios 1 << 32 (AMD) and 1 << 48 (Intel) mean no scaling; both scaling files or none).

import { readdirSync, readFileSync } from "node:fs";
import type { KvmDebugfsVcpu } from "../merge/clock-map.ts";

export const KVM_DEBUGFS = "/sys/kernel/debug/kvm";
const DEFAULT_RATIOS = new Set([1n << 32n, 1n << 48n]);

/** Every vCPU's TSC offset (and scaling) of the VM that QEMU process runs; undefined when KVM does not show one. */
export function readKvmClock(qemuPid: number, root = KVM_DEBUGFS): KvmDebugfsVcpu[] | undefined {
  const vm = entries(root).find((e) => e.startsWith(`${qemuPid}-`));
  if (!vm) return undefined;
  const vcpus: KvmDebugfsVcpu[] = [];
  for (const dir of entries(`${root}/${vm}`)) {
    const m = /^vcpu(\d+)$/.exec(dir);
    const offset = m ? readInteger(`${root}/${vm}/${dir}/tsc-offset`) : undefined;
    if (!m || offset === undefined) continue;
    const ratio = readInteger(`${root}/${vm}/${dir}/tsc-scaling-ratio`);
    const frac = readInteger(`${root}/${vm}/${dir}/tsc-scaling-ratio-frac-bits`);
    const scaled = ratio !== undefined && frac !== undefined && !DEFAULT_RATIOS.has(ratio);
    vcpus.push({ vcpu: Number(m[1]), tscOffset: offset, ratio: scaled ? ratio : 1n, fracBits: scaled ? Number(frac) : 0 });
  }
  return vcpus.length > 0 ? vcpus.sort((a, b) => a.vcpu - b.vcpu) : undefined;
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readInteger(path: string): bigint | undefined {
  try {
    const text = readFileSync(path, "utf8").trim();
    return /^-?\d+$/.test(text) ? BigInt(text) : undefined;
  } catch {
    return undefined;
  }
}
