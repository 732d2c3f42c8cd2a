// vcpu-stat on synthetic v6 files (a host with sched and kvm events and a GUEST option, and its
// guest with sched_switch): the states, the preemptors, the guest tasks hit, the stalls and the kvm
// exits by reason and guest task, through the same reader, merge and decoder as the command; then
// the text and JSON made of them. KVM does not run here, so kvm_exit/kvm_entry are built by hand.

import { describe, expect, test } from "bun:test";
import { computeVcpuStat } from "../../../src/analysis/vcpu-stat-run.ts";
import { formatVcpuStatJson } from "../../../src/analysis/vcpu-stat-json.ts";
import { formatVcpuStat } from "../../../src/analysis/vcpu-stat-text.ts";
import { ByteWriter } from "../../../src/lib/writer.ts";
import type { ReportInput } from "../../../src/report/handles.ts";
import { TRACECMD_OPTION_TRACEID } from "../../../src/tracedat/model.ts";
import { guestOption, u64Option } from "../../../src/tracedat/options-encode.ts";
import { memorySource } from "../../../src/tracedat/reader/byte-source.ts";
import { openTraceDat } from "../../../src/tracedat/reader/open.ts";
import { formatFile, v6File, type FileRecord } from "../../helpers/v6-file.ts";

const SWITCH_ID = 300;
const WAKEUP_ID = 301;
const KVM_EXIT_ID = 310;
const KVM_ENTRY_ID = 311;

const SCHED_SWITCH = formatFile(
  "sched_switch",
  SWITCH_ID,
  "\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n\tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;\n\tfield:int prev_prio;\toffset:28;\tsize:4;\tsigned:1;\n\tfield:long prev_state;\toffset:32;\tsize:8;\tsigned:1;\n\tfield:char next_comm[16];\toffset:40;\tsize:16;\tsigned:0;\n\tfield:pid_t next_pid;\toffset:56;\tsize:4;\tsigned:1;\n\tfield:int next_prio;\toffset:60;\tsize:4;\tsigned:1;",
  `"prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%ld ==> next_comm=%s next_pid=%d next_prio=%d", REC->prev_comm, REC->prev_pid, REC->prev_prio, REC->prev_state, REC->next_comm, REC->next_pid, REC->next_prio`,
);
const SCHED_WAKEUP = formatFile(
  "sched_wakeup",
  WAKEUP_ID,
  "\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:0;\n\tfield:pid_t pid;\toffset:24;\tsize:4;\tsigned:1;\n\tfield:int prio;\toffset:28;\tsize:4;\tsigned:1;\n\tfield:int target_cpu;\toffset:32;\tsize:4;\tsigned:1;",
  `"comm=%s pid=%d prio=%d target_cpu=%03d", REC->comm, REC->pid, REC->prio, REC->target_cpu`,
);
const KVM_EXIT = formatFile(
  "kvm_exit",
  KVM_EXIT_ID,
  "\tfield:unsigned int exit_reason;\toffset:8;\tsize:4;\tsigned:0;\n\tfield:unsigned long guest_rip;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:u32 isa;\toffset:24;\tsize:4;\tsigned:0;\n\tfield:u64 info1;\toffset:32;\tsize:8;\tsigned:0;\n\tfield:u64 info2;\toffset:40;\tsize:8;\tsigned:0;\n\tfield:u32 intr_info;\toffset:48;\tsize:4;\tsigned:0;\n\tfield:u32 error_code;\toffset:52;\tsize:4;\tsigned:0;\n\tfield:unsigned int vcpu_id;\toffset:56;\tsize:4;\tsigned:0;",
  `"vcpu %u reason %u rip 0x%lx", REC->vcpu_id, REC->exit_reason, REC->guest_rip`,
);
const KVM_ENTRY = formatFile("kvm_entry", KVM_ENTRY_ID, "\tfield:unsigned int vcpu_id;\toffset:8;\tsize:4;\tsigned:0;\n\tfield:unsigned long rip;\toffset:16;\tsize:8;\tsigned:0;", `"vcpu %u, rip 0x%lx", REC->vcpu_id, REC->rip`);

const VMX = 1;
const HLT = 12;
const IO_INSTRUCTION = 30;
const TIDS = [4000, 4001];
const MS = 1_000_000n;

function comm16(w: ByteWriter, s: string): ByteWriter {
  const bytes = new TextEncoder().encode(s);
  return w.bytes(bytes).zeros(16 - bytes.length);
}

function sw(ms: bigint, cpu: number, prev: [number, string], prevState: number, next: [number, string]): FileRecord {
  const w = comm16(new ByteWriter(true, 64).u16(SWITCH_ID).u8(0).u8(0).i32(prev[0]), prev[1]).i32(prev[0]).i32(120).i64(BigInt(prevState));
  return { ts: ms * MS, cpu, payload: comm16(w, next[1]).i32(next[0]).i32(120).finish() };
}
function wakeup(ms: bigint, cpu: number, pid: number, target: number): FileRecord {
  const w = comm16(new ByteWriter(true, 40).u16(WAKEUP_ID).u8(0).u8(0).i32(1), "CPU x/KVM");
  return { ts: ms * MS, cpu, payload: w.i32(pid).i32(120).i32(target).u32(0).finish() };
}
function kvmExit(ms: bigint, cpu: number, tid: number, reason: number): FileRecord {
  const payload = new ByteWriter(true, 64).u16(KVM_EXIT_ID).u8(0).u8(0).i32(tid).u32(reason).u32(0).u64(0xffffffff81000000n).u32(VMX).u32(0).u64(0n).u64(0n).u32(0).u32(0).u32(0).u32(0).finish();
  return { ts: ms * MS, cpu, payload };
}
function kvmEntry(ms: bigint, cpu: number, tid: number): FileRecord {
  return { ts: ms * MS, cpu, payload: new ByteWriter(true, 24).u16(KVM_ENTRY_ID).u8(0).u8(0).i32(tid).u32(0).u32(0).u64(0n).finish() };
}

const V0: [number, string] = [TIDS[0]!, "CPU 0/KVM"];
const V1: [number, string] = [TIDS[1]!, "CPU 1/KVM"];
const HOG: [number, string] = [900, "hog"];
const IDLE: [number, string] = [0, "swapper"];

/** vCPU 0 on host CPU 0, preempted by hog 30-50 ms; vCPU 1 on CPU 1 exits (HLT, IO) and sleeps. */
const HOST_RECORDS: FileRecord[] = [
  sw(10n, 0, IDLE, 0, V0),
  kvmEntry(11n, 0, V0[0]),
  sw(10n, 1, IDLE, 0, V1),
  kvmEntry(11n, 1, V1[0]),
  sw(30n, 0, V0, 0, HOG),
  kvmExit(40n, 1, V1[0], IO_INSTRUCTION),
  kvmEntry(42n, 1, V1[0]),
  sw(50n, 0, HOG, 1, V0),
  kvmExit(60n, 1, V1[0], HLT),
  sw(61n, 1, V1, 1, IDLE),
  wakeup(80n, 0, V1[0], 1),
  sw(81n, 1, IDLE, 0, V1),
  kvmEntry(82n, 1, V1[0]),
  kvmExit(90n, 0, V0[0], HLT),
  kvmEntry(91n, 0, V0[0]),
  sw(100n, 0, V0, 0, IDLE),
  sw(100n, 1, V1, 1, IDLE),
];
const GUEST_RECORDS: FileRecord[] = [
  sw(20n, 0, [0, "swapper/0"], 0, [42, "stress"]),
  sw(45n, 0, [42, "stress"], 0, [43, "worker"]),
  sw(20n, 1, [0, "swapper/1"], 0, [50, "dd"]),
];

function hostDat(vcpuTids: number[] = TIDS): Uint8Array {
  return v6File({
    cpus: 2,
    clock: "local",
    eventSystems: [
      { name: "sched", formats: [SCHED_SWITCH, SCHED_WAKEUP] },
      { name: "kvm", formats: [KVM_EXIT, KVM_ENTRY] },
    ],
    options: [u64Option(TRACECMD_OPTION_TRACEID, 1n, true), guestOption("g1", 7n, vcpuTids.map((pid, vcpu) => ({ vcpu, pid })), true)],
    records: HOST_RECORDS,
  });
}

function guestDat(): Uint8Array {
  return v6File({ cpus: 2, clock: "local", eventSystems: [{ name: "sched", formats: [SCHED_SWITCH] }], options: [u64Option(TRACECMD_OPTION_TRACEID, 7n, true)], records: GUEST_RECORDS });
}

function inputs(files: [string, Uint8Array][]): ReportInput[] {
  return files.map(([path, bytes]) => ({ path, dat: openTraceDat(memorySource(bytes)), userOffsetNs: 0n }));
}

describe("vcpu-stat on a synthetic host (sched + kvm) and guest", () => {
  const report = computeVcpuStat(
    inputs([
      ["trace.dat", hostDat()],
      ["trace-g1.dat", guestDat()],
    ]),
    10,
  );
  const g = report.guests[0]!;

  test("each vCPU's 10-100 ms split into running, preempted, halted and hypervisor", () => {
    expect(report.error).toBeUndefined();
    expect({ unit: report.unit, start: report.startNs, end: report.endNs, kvm: report.kvmEvents }).toEqual({ unit: "ns", start: 10n * MS, end: 100n * MS, kvm: true });
    const ms = (v: bigint) => Number(v / MS);
    const rows: Record<string, number>[] = g.vcpus.map((v) => ({ vcpu: v.vcpu, tid: v.hostTid, ...Object.fromEntries(Object.entries(v.ns).map(([k, ns]) => [k, ms(ns)])) }));
    expect(rows).toEqual([
      // vCPU 0: 10-11 before its first kvm event (running), 11-30 guest, 30-50 preempted, 50-90 running, 90-91 HLT, 91-100.
      { vcpu: 0, tid: 4000, running: 1 + 19 + 40 + 9, preempted: 20, halted: 0, hypervisor: 1, unknown: 0 },
      // vCPU 1: 10-11 + 11-40 running, 40-42 IO, 42-60 running, 60-61 HLT, 61-80 halted, 80-81 waiting, 81-82 hypervisor (after the switch-in), 82-100.
      { vcpu: 1, tid: 4001, running: 1 + 29 + 18 + 18, preempted: 1, halted: 19, hypervisor: 2 + 1 + 1, unknown: 0 },
    ]);
    for (const v of g.vcpus) expect(Object.values(v.ns).reduce((a, b) => a + b, 0n)).toBe(90n * MS);
  });

  test("preemptors, guest tasks hit, and the longest stall with its guest task and preemptor", () => {
    expect(g.preemptors.map((t) => [t.comm, t.pid, Number(t.ns / MS)])).toEqual([
      ["hog", 900, 20],
      ["<idle>", 0, 1],
    ]);
    // stress ran 20-45 on vCPU 0, worker from 45: of the 30-50 stall, 15 ms and 5 ms; dd waited 80-81.
    expect(g.tasks.map((t) => [t.comm, t.pid, Number(t.ns / MS)])).toEqual([
      ["stress", 42, 15],
      ["worker", 43, 5],
      ["dd", 50, 1],
    ]);
    expect(g.stalls.map((s) => [s.vcpu, Number(s.startNs / MS), Number(s.durationNs / MS), s.guestTask?.comm, s.preemptor?.comm, Number((s.preemptor?.ns ?? 0n) / MS)])).toEqual([
      [0, 30, 20, "stress", "hog", 20],
      [1, 80, 1, "dd", "<idle>", 1],
    ]);
  });

  test("kvm exits by guest task and reason, named as the report names them, with their time in the hypervisor", () => {
    // dd's HLT: 60-61 until the thread slept, and 81-82 from its switch-in to kvm_entry.
    expect(g.exits.map((e) => [e.task?.comm, e.reason, e.count, Number(e.ns / MS)])).toEqual([
      ["dd", "IO_INSTRUCTION", 1, 2],
      ["dd", "HLT", 1, 2],
      ["worker", "HLT", 1, 1],
    ]);
  });

  test("text: one table per guest and the lists, with ms and percentages", () => {
    const text = formatVcpuStat(report, { top: 10 });
    expect(text).toContain("host trace.dat, guests g1 (trace-g1.dat): 90.000 ms recorded");
    expect(text).toMatch(/\n +0 +4000 +69\.000 ms +76\.7% +20\.000 ms +22\.2% +0\.000 ms +0\.0% +1\.000 ms +1\.1% +0\.000 ms +0\.0%\n/);
    expect(text).toContain("     20.000 ms  hog-900\n");
    expect(text).toMatch(/\n +0\.030000 +20\.000 ms +0 +stress-42 +hog-900 \(20\.000 ms\)\n/);
    expect(text).toMatch(/\n    dd-50 +IO_INSTRUCTION +1 +2\.000 ms\n/);
  });

  test("JSON: the documented shape, integers in ns", () => {
    const doc = JSON.parse(formatVcpuStatJson(report, 10));
    expect(doc.unit).toBe("ns");
    expect(doc.guests[0].vcpus[0]).toEqual({ vcpu: 0, host_tid: 4000, running_ns: 69_000_000, preempted_ns: 20_000_000, halted_ns: 0, hypervisor_ns: 1_000_000, unknown_ns: 0 });
    expect(doc.guests[0].preemptors[0]).toEqual({ comm: "hog", pid: 900, ns: 20_000_000 });
    expect(doc.guests[0].tasks[0]).toEqual({ comm: "stress", pid: 42, preempted_ns: 15_000_000 });
    expect(doc.guests[0].stalls[0]).toEqual({ start_ns: 30_000_000, duration_ns: 20_000_000, vcpu: 0, task: { comm: "stress", pid: 42 }, preemptor: { comm: "hog", pid: 900, ns: 20_000_000 } });
    expect(doc.guests[0].exits[0]).toEqual({ comm: "dd", pid: 50, reason: "IO_INSTRUCTION", count: 1, ns: 2_000_000 });
    expect(JSON.parse(formatVcpuStatJson(report, 1)).guests[0].preemptors).toHaveLength(1);
  });

  test("the host alone: vCPU states and preemptors, guest tasks unknown", () => {
    const alone = computeVcpuStat(inputs([["trace.dat", hostDat()]]), 10);
    expect(alone.guests[0]!.preemptors[0]).toMatchObject({ comm: "hog", ns: 20n * MS });
    expect(alone.guests[0]!.tasks.map((t) => t.comm)).toEqual(["<unknown>"]);
    expect(formatVcpuStat(alone, { top: 3 })).toContain("g1 (no guest file: guest tasks unknown)");
  });

  test("a host file whose GUEST option names no vCPU thread: one clear error saying how to fix it", () => {
    expect(() => computeVcpuStat(inputs([["trace.dat", hostDat([-1, -1])]]), 10)).toThrow(/knows no vCPU thread of 'g1': start QEMU with -name guest=g1,debug-threads=on/);
  });

  test("a file that is not part of the set, or no host at all", () => {
    expect(() => computeVcpuStat(inputs([["g.dat", guestDat()]]), 10)).toThrow(/no host file among the inputs/);
    expect(() => computeVcpuStat(inputs([["trace.dat", hostDat()], ["other.dat", hostDat()]]), 10)).toThrow(/more than one host file/);
  });
});
