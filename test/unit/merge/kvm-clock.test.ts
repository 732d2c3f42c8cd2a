// KVM's own TSC offsets as a clock-sync source: the debugfs reader on a fake tree, the per-vCPU
// TIME_SHIFT points, and that a guest file carrying them maps each vCPU's TSC exactly onto the host's.

import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kvmShiftPoints } from "../../../src/merge/time-shift-samples.ts";
import { makeToTime } from "../../../src/report/time.ts";
import { timeShiftOptionPerCpu } from "../../../src/tracedat/options-encode.ts";
import { memorySource } from "../../../src/tracedat/reader/byte-source.ts";
import { openTraceDat } from "../../../src/tracedat/reader/open.ts";
import { readKvmClock } from "../../../src/virt/kvm-debugfs.ts";
import { buildTraceDat, demoEvents } from "../tracedat/reader/fixture-builder.ts";

const root = mkdtempSync(join(tmpdir(), "vtrace-kvm-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function vcpu(vm: string, n: number, files: Record<string, string>): void {
  mkdirSync(join(root, vm, `vcpu${n}`), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, vm, `vcpu${n}`, name), `${text}\n`);
}

// QEMU 4242: two vCPUs, Intel's default ratio (no scaling); QEMU 5151: a scaled vCPU.
vcpu("4242-13", 0, { "tsc-offset": "-1258364170587762", "tsc-scaling-ratio": String(1n << 48n), "tsc-scaling-ratio-frac-bits": "48" });
vcpu("4242-13", 1, { "tsc-offset": "-1258364170580000", "tsc-scaling-ratio": String(1n << 48n), "tsc-scaling-ratio-frac-bits": "48" });
vcpu("5151-9", 0, { "tsc-offset": "1000", "tsc-scaling-ratio": String((1n << 48n) + 12345n), "tsc-scaling-ratio-frac-bits": "48" });
mkdirSync(join(root, "7777-3"), { recursive: true }); // a VM whose vCPUs are not there (yet)

test("readKvmClock() reads each vCPU's tsc-offset, drops the default scaling ratio, and keeps a real one", () => {
  expect(readKvmClock(4242, root)).toEqual([
    { vcpu: 0, tscOffset: -1258364170587762n, ratio: 1n, fracBits: 0 },
    { vcpu: 1, tscOffset: -1258364170580000n, ratio: 1n, fracBits: 0 },
  ]);
  expect(readKvmClock(5151, root)).toEqual([{ vcpu: 0, tscOffset: 1000n, ratio: (1n << 48n) + 12345n, fracBits: 48 }]);
  expect([readKvmClock(7777, root), readKvmClock(1, root), readKvmClock(4242, join(root, "nowhere"))]).toEqual([undefined, undefined, undefined]);
});

test("kvmShiftPoints(): -offset per guest CPU (vCPU 0's for a CPU KVM does not list); none when a TSC is scaled", () => {
  const vcpus = readKvmClock(4242, root)!;
  expect(kvmShiftPoints(vcpus, 3)).toEqual([[{ time: 0n, offset: 1258364170587762n }], [{ time: 0n, offset: 1258364170580000n }], [{ time: 0n, offset: 1258364170587762n }]]);
  expect(kvmShiftPoints(readKvmClock(5151, root)!, 1)).toBeUndefined();
});

test("a guest file with KVM's TIME_SHIFT puts each vCPU's TSC on host time exactly", () => {
  const vcpus = readKvmClock(4242, root)!;
  const option = timeShiftOptionPerCpu(1n, 0, kvmShiftPoints(vcpus, 2)!, true);
  const guest = openTraceDat(memorySource(buildTraceDat({ version: 6, buffers: [{ name: "", cpus: demoEvents(1) }], extraOptions: [option] })));
  const toTime = makeToTime(guest, { rawTs: false, userOffsetNs: 0n, isInstance: false })!;
  const host = 1_259_000_000_000_000n;
  expect([toTime(host + vcpus[0]!.tscOffset, 0), toTime(host + vcpus[1]!.tscOffset, 1)]).toEqual([host, host]);
});
