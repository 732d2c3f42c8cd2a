// kvm:kvm_write_tsc_offset as a clock-sync source: the events of one guest's vCPU threads read from a
// host file, turned into stepped per-vCPU TIME_SHIFT points, and a guest file carrying them put on
// host time exactly before and after each offset change.

import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tscOffsetShiftPoints } from "../../../src/merge/time-shift-samples.ts";
import { makeToTime } from "../../../src/report/time.ts";
import { guestOption, timeShiftOptionPerCpu } from "../../../src/tracedat/options-encode.ts";
import { memorySource } from "../../../src/tracedat/reader/byte-source.ts";
import { openTraceDat } from "../../../src/tracedat/reader/open.ts";
import { openFileSource } from "../../../src/io/file-source.ts";
import { openV6Head } from "../../../src/listen/output-file.ts";
import { readTscOffsetEvents } from "../../../src/virt/kvm-events.ts";
import { kvmTimeShift } from "../../../src/virt/time-shift.ts";
import { KVM_WRITE_TSC_OFFSET, offsetWrite } from "../../helpers/kvm-events.ts";
import { v6File, v6Head } from "../../helpers/v6-file.ts";

const dir = mkdtempSync(join(tmpdir(), "vtrace-kvm-events-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));



// g1 runs vCPU 0 on thread 501 and vCPU 1 on 502; thread 601 is another guest's vCPU.
const OFF0 = -1_000_000_000n;
const OFF1 = -500_000_000n; // the guest TSC jumps forward (backwards would make guest times ambiguous)
const hostFile = join(dir, "trace.dat");
writeFileSync(
  hostFile,
  v6File({
    cpus: 1,
    eventSystems: [{ name: "kvm", formats: [KVM_WRITE_TSC_OFFSET] }],
    options: [guestOption("g1", 7n, [{ vcpu: 0, pid: 501 }, { vcpu: 1, pid: 502 }], true), guestOption("g2", 8n, [{ vcpu: 0, pid: 601 }], true)],
    records: [offsetWrite(5_000_000_000n, 501, 0, OFF0, OFF1), offsetWrite(5_000_000_100n, 601, 0, 0n, 42n), offsetWrite(5_000_000_200n, 502, 1, OFF0, OFF1)],
  }),
);

/** The host file as the virt-server opens it. */
function hostDat() {
  return openTraceDat(openFileSource(hostFile));
}

test("readTscOffsetEvents() returns the guest's own vCPU threads' offset writes with their host TSC", () => {
  expect(readTscOffsetEvents(hostDat(), "g1")).toEqual([
    { hostTsc: 5_000_000_000n, vcpu: 0, previous: OFF0, next: OFF1 },
    { hostTsc: 5_000_000_200n, vcpu: 1, previous: OFF0, next: OFF1 },
  ]);
  expect(readTscOffsetEvents(hostDat(), "g2")).toEqual([{ hostTsc: 5_000_000_100n, vcpu: 0, previous: 0n, next: 42n }]);
  expect(readTscOffsetEvents(hostDat(), "nosuch")).toEqual([]);
});

test("a guest file with the stepped TIME_SHIFT maps each vCPU's TSC to host time on both sides of the change", () => {
  const points = tscOffsetShiftPoints(readTscOffsetEvents(hostDat(), "g1"), 2)!;
  const option = timeShiftOptionPerCpu(1n, 0, points, true);
  const guest = openTraceDat(memorySource(v6File({ cpus: 2, options: [option], records: [] })));
  const toTime = makeToTime(guest, { rawTs: false, userOffsetNs: 0n, isInstance: false })!;
  const hostTimes = [4_000_000_000n, 4_999_999_999n, 5_000_000_300n, 9_000_000_000n];
  for (const cpu of [0, 1]) {
    const change = cpu === 0 ? 5_000_000_000n : 5_000_000_200n;
    for (const host of hostTimes) {
      const guestTsc = host + (host < change ? OFF0 : OFF1);
      expect({ cpu, host, mapped: toTime(guestTsc, cpu) }).toEqual({ cpu, host, mapped: host });
    }
  }
  expect(tscOffsetShiftPoints([], 2)).toBeUndefined();
});

test("kvmTimeShift() prefers the events, needs the TSC clock in both files, and finds nothing without KVM", () => {
  const guest = { qemuPid: 0x7ffffff0, domain: "g1", host: hostDat(), hostTraceId: 1n, cpus: 2, debugfs: join(dir, "no-debugfs") };
  const head = (clock?: string) => openV6Head(v6Head({ cpus: 2, clock }), 2);
  const shift = kvmTimeShift({ ...guest, guest: head() });
  expect({ source: shift?.source, offset: shift?.offset }).toEqual({ source: "kvm-events", offset: OFF1 });
  expect(kvmTimeShift({ ...guest, guest: head("local") })).toBeUndefined();
  expect(kvmTimeShift({ ...guest, domain: "nosuch", guest: head() })).toBeUndefined();
});
