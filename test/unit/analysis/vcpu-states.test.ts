// The vCPU state machine on hand-made record sequences: switches, wakeups, migration, kvm exits,
// guest tasks, the trace starting and ending mid-state, a CPU whose task is named only by its first
// switch, and lost events. Pieces are compared whole, so a wrong state, time or holder fails.

import { describe, expect, test } from "bun:test";
import { VcpuStates, type KvmExit, type RecordSource, type StateRecord, type VcpuPiece } from "../../../src/analysis/vcpu-states.ts";

const VCPU0 = 1000;
const VCPU1 = 1001;
const HOST: RecordSource = { kind: "host" };
const GUEST: RecordSource = { kind: "guest", name: "g" };
const RUNNABLE = 0;
const PREEMPTED_FLAG = 0x100; // TASK_REPORT_MAX on this kernel: still runnable ("R+")
const SLEEPING = 1;

function sw(ts: number, cpu: number, prev: [number, string], prevState: number, next: [number, string], missed = 0): StateRecord {
  const fields = { prev_pid: prev[0], prev_comm: prev[1], prev_state: prevState, next_pid: next[0], next_comm: next[1] };
  return { tsNs: BigInt(ts), cpu, system: "sched", name: "sched_switch", commonPid: prev[0], fields, missed };
}
function wake(ts: number, cpu: number, pid: number, target: number, name = "sched_wakeup"): StateRecord {
  return { tsNs: BigInt(ts), cpu, system: "sched", name, commonPid: 1, fields: { pid, comm: "x", target_cpu: target }, missed: 0 };
}
function migrate(ts: number, cpu: number, pid: number, orig: number, dest: number): StateRecord {
  return { tsNs: BigInt(ts), cpu, system: "sched", name: "sched_migrate_task", commonPid: 1, fields: { pid, orig_cpu: orig, dest_cpu: dest }, missed: 0 };
}
function kvm(ts: number, cpu: number, pid: number, name: "kvm_exit" | "kvm_entry", reason?: string): StateRecord {
  return { tsNs: BigInt(ts), cpu, system: "kvm", name, commonPid: pid, fields: { exit_reason: 12 }, missed: 0, exitReason: reason };
}
function other(ts: number, cpu: number, missed = 0): StateRecord {
  return { tsNs: BigInt(ts), cpu, system: "irq", name: "irq_handler_entry", commonPid: 0, fields: {}, missed };
}

const VC0: [number, string] = [VCPU0, "CPU 0/KVM"];
const VC1: [number, string] = [VCPU1, "CPU 1/KVM"];
const HOG: [number, string] = [77, "hog"];
const BASH: [number, string] = [55, "bash"];
const IDLE: [number, string] = [0, "swapper/0"];

function run(records: [RecordSource, StateRecord][]): { pieces: VcpuPiece[]; exits: KvmExit[] } {
  const pieces: VcpuPiece[] = [];
  const exits: KvmExit[] = [];
  const states = new VcpuStates(
    [
      {
        name: "g",
        traced: true,
        hostTids: new Map([
          [0, VCPU0],
          [1, VCPU1],
        ]),
      },
    ],
    { piece: (p) => pieces.push(p), exit: (e) => exits.push(e) },
  );
  for (const [source, r] of records) states.record(source, r);
  states.finish();
  return { pieces, exits };
}

/** The pieces of one vCPU as [state, start, end, cpu, holder?] in order. */
function brief(pieces: VcpuPiece[], vcpu = 0): (string | number)[][] {
  return pieces
    .filter((p) => p.vcpu.vcpu === vcpu)
    .map((p) => [p.state, Number(p.startNs), Number(p.endNs), p.hostCpu, ...(p.holder ? [`${p.holder.comm}-${p.holder.pid}`] : [])]);
}

describe("VcpuStates", () => {
  test("switched out runnable: preempted, charged to the task that took the CPU, until switched back in", () => {
    const { pieces } = run([
      [HOST, other(100, 1)],
      [HOST, sw(200, 0, IDLE, RUNNABLE, VC0)],
      [HOST, sw(300, 0, VC0, PREEMPTED_FLAG, HOG)],
      [HOST, sw(450, 0, HOG, SLEEPING, VC0)],
      [HOST, other(500, 1)],
    ]);
    expect(brief(pieces)).toEqual([
      ["preempted", 100, 200, 0, "<idle>-0"],
      ["running", 200, 300, 0],
      ["preempted", 300, 450, 0, "hog-77"],
      ["running", 450, 500, 0],
    ]);
    const stall = pieces.find((p) => p.startNs === 300n)!;
    expect(stall.stallStartNs).toBe(300n);
  });

  test("a holder that exec'd while it held the CPU is named by its comm at the switch-out", () => {
    const { pieces } = run([
      [HOST, sw(100, 0, IDLE, RUNNABLE, VC0)],
      [HOST, sw(200, 0, VC0, RUNNABLE, [77, "sh"])],
      [HOST, other(250, 1)],
      [HOST, sw(300, 0, HOG, RUNNABLE, VC0)],
    ]);
    expect(brief(pieces)).toEqual([
      ["running", 100, 200, 0],
      ["preempted", 200, 300, 0, "hog-77"],
    ]);
  });

  test("switched out sleeping: halted; the wakeup starts the wait for the CPU it was woken on", () => {
    const { pieces } = run([
      [HOST, sw(100, 1, BASH, SLEEPING, HOG)],
      [HOST, sw(200, 0, VC0, SLEEPING, IDLE)],
      [HOST, wake(300, 0, VCPU0, 1)],
      [HOST, sw(400, 1, HOG, RUNNABLE, VC0)],
      [HOST, other(450, 0)],
    ]);
    expect(brief(pieces)).toEqual([
      ["running", 100, 200, 0],
      ["halted", 200, 300, -1],
      ["preempted", 300, 400, 1, "hog-77"],
      ["running", 400, 450, 1],
    ]);
  });

  test("migration: each part of a wait is charged to what ran on the CPU waited for at that time", () => {
    const { pieces } = run([
      [HOST, sw(100, 1, IDLE, RUNNABLE, BASH)],
      [HOST, sw(200, 0, VC0, RUNNABLE, HOG)],
      [HOST, migrate(260, 1, VCPU0, 0, 1)],
      [HOST, sw(300, 1, BASH, SLEEPING, VC0)],
    ]);
    expect(brief(pieces)).toEqual([
      ["running", 100, 200, 0],
      ["preempted", 200, 260, 0, "hog-77"],
      ["preempted", 260, 300, 1, "bash-55"],
    ]);
    // One stall: both parts share its start.
    expect(pieces.filter((p) => p.state === "preempted").map((p) => p.stallStartNs)).toEqual([200n, 200n]);
  });

  test("a switch-in on another CPU without a migrate event ends the wait there", () => {
    const { pieces } = run([
      [HOST, sw(100, 1, IDLE, RUNNABLE, BASH)],
      [HOST, sw(200, 0, VC0, RUNNABLE, HOG)],
      [HOST, sw(300, 1, BASH, SLEEPING, VC0)],
    ]);
    expect(brief(pieces)).toEqual([
      ["running", 100, 200, 0],
      ["preempted", 200, 300, 0, "hog-77"],
    ]);
  });

  test("a wakeup without a switch: the thread waits until the trace ends", () => {
    const { pieces } = run([
      [HOST, sw(100, 1, IDLE, RUNNABLE, HOG)],
      [HOST, wake(150, 0, VCPU0, 1, "sched_waking")],
      [HOST, wake(160, 0, VCPU0, 1)],
      [HOST, other(400, 0)],
    ]);
    expect(brief(pieces)).toEqual([
      ["halted", 100, 150, -1],
      ["preempted", 150, 400, 1, "hog-77"],
    ]);
  });

  test("a wakeup of a running thread changes nothing", () => {
    const { pieces } = run([
      [HOST, sw(100, 0, IDLE, RUNNABLE, VC0)],
      [HOST, wake(150, 1, VCPU0, 0)],
      [HOST, other(200, 0)],
    ]);
    expect(brief(pieces)).toEqual([["running", 100, 200, 0]]);
  });

  test("the trace starting mid-state: the first event says what came before; a CPU's task is named by its first switch", () => {
    const { pieces } = run([
      [HOST, other(100, 0)],
      // vCPU 1 is runnable on CPU 1 from the start; CPU 1's task is not known until its first switch.
      [HOST, wake(120, 0, VCPU1, 1)],
      [HOST, sw(150, 0, VC0, RUNNABLE, IDLE)],
      [HOST, sw(300, 1, HOG, SLEEPING, VC1)],
    ]);
    expect(brief(pieces, 0)).toEqual([
      ["running", 100, 150, 0],
      ["preempted", 150, 300, 0, "<idle>-0"],
    ]);
    expect(brief(pieces, 1)).toEqual([
      ["halted", 100, 120, -1],
      ["preempted", 120, 300, 1, "hog-77"],
    ]);
  });

  test("a vCPU the host trace never mentions is unknown from start to end", () => {
    const { pieces } = run([
      [HOST, other(100, 0)],
      [HOST, other(900, 1)],
    ]);
    expect(brief(pieces, 1)).toEqual([["unknown", 100, 900, -1]]);
  });

  test("lost events on a CPU: its vCPU thread is unknown from that CPU's last record until its next event", () => {
    const { pieces } = run([
      [HOST, sw(100, 0, IDLE, RUNNABLE, VC0)],
      [HOST, other(200, 0)],
      [HOST, other(250, 1)],
      [HOST, other(400, 0, 12)],
      [HOST, sw(500, 0, VC0, RUNNABLE, HOG)],
      [HOST, sw(600, 0, HOG, SLEEPING, VC0)],
    ]);
    expect(brief(pieces)).toEqual([
      ["running", 100, 200, 0],
      ["unknown", 200, 500, -1],
      ["preempted", 500, 600, 0, "hog-77"],
    ]);
  });

  test("lost events hide what ran on a CPU: a wait for it is charged to what its next switch names", () => {
    const { pieces } = run([
      [HOST, sw(100, 0, IDLE, RUNNABLE, HOG)],
      [HOST, sw(110, 1, IDLE, RUNNABLE, VC0)],
      [HOST, other(150, 0, -1)],
      [HOST, sw(200, 1, VC0, RUNNABLE, BASH)],
      [HOST, migrate(250, 1, VCPU0, 1, 0)],
      [HOST, sw(300, 0, BASH, SLEEPING, VC0)],
    ]);
    const waits = pieces.filter((p) => p.state === "preempted").map((p) => [Number(p.startNs), Number(p.endNs), p.hostCpu, p.holder ? p.holder.comm : "?"]);
    // 250-300: CPU 0 lost events at 150; its next switch (prev bash) names what held it.
    expect(waits).toEqual([
      [100, 110, 1, "<idle>"],
      [200, 250, 1, "bash"],
      [250, 300, 0, "bash"],
    ]);
  });

  test("a wait for a CPU that lost events and never switches again is charged to nobody", () => {
    const { pieces } = run([
      [HOST, sw(100, 0, IDLE, RUNNABLE, HOG)],
      [HOST, other(150, 0, -1)],
      [HOST, sw(200, 1, VC0, RUNNABLE, BASH)],
      [HOST, migrate(250, 1, VCPU0, 1, 0)],
      [HOST, other(300, 1)],
    ]);
    // A thread not seen yet may have run on the CPU that lost events: unknown, not guessed.
    expect(brief(pieces)).toEqual([
      ["unknown", 100, 200, -1],
      ["preempted", 200, 250, 1, "bash-55"],
      ["preempted", 250, 300, 0],
    ]);
  });

  test("kvm_exit to kvm_entry is time in the hypervisor, with the exit's reason and the guest task", () => {
    const { pieces, exits } = run([
      [HOST, sw(100, 0, IDLE, RUNNABLE, VC0)],
      [HOST, kvm(110, 0, VCPU0, "kvm_entry")],
      [GUEST, sw(120, 0, [0, "swapper/0"], RUNNABLE, [42, "stress"])],
      [HOST, kvm(200, 0, VCPU0, "kvm_exit", "HLT")],
      [HOST, sw(210, 0, VC0, SLEEPING, IDLE)],
      [HOST, sw(300, 0, IDLE, RUNNABLE, VC0)],
      [HOST, kvm(320, 0, VCPU0, "kvm_entry")],
      [HOST, other(400, 0)],
    ]);
    expect(pieces.filter((p) => p.vcpu.vcpu === 0).map((p) => [p.state, Number(p.startNs), Number(p.endNs), p.exitReason ?? "", p.guestTask?.comm ?? "?"])).toEqual([
      // Pieces before the guest's first record wait for it: its task (here pid 0) was on the vCPU.
      ["running", 100, 110, "", "<idle>"],
      ["running", 110, 120, "", "<idle>"],
      ["running", 120, 200, "", "stress"],
      ["hypervisor", 200, 210, "HLT", "stress"],
      ["halted", 210, 300, "", "stress"],
      ["hypervisor", 300, 320, "HLT", "stress"],
      ["running", 320, 400, "", "stress"],
    ]);
    expect(exits.map((e) => [Number(e.tsNs), e.reason, e.guestTask?.comm])).toEqual([[200, "HLT", "stress"]]);
  });

  test("guest records after the host trace's last record change nothing: the recorded time is the host's", () => {
    const { pieces } = run([
      [HOST, sw(100, 0, IDLE, RUNNABLE, VC0)],
      [HOST, other(200, 1)],
      [GUEST, sw(250, 0, [0, "swapper/0"], RUNNABLE, [42, "stress"])],
    ]);
    expect(pieces.filter((p) => p.vcpu.vcpu === 0).map((p) => [p.state, Number(p.startNs), Number(p.endNs)])).toEqual([["running", 100, 200]]);
  });

  test("guest lost events make the guest task unknown", () => {
    const { pieces } = run([
      [HOST, sw(100, 0, IDLE, RUNNABLE, VC0)],
      [GUEST, sw(150, 0, [0, "swapper/0"], RUNNABLE, [42, "stress"])],
      [GUEST, { ...other(250, 0, 3), commonPid: 9, comm: "kworker" }],
      [HOST, other(300, 0)],
    ]);
    // The loss happened somewhere after the guest CPU's last record (150): unknown from there, until
    // the record that reports the loss names the task that traced it.
    const vcpu0 = pieces.filter((p) => p.vcpu.vcpu === 0);
    expect(vcpu0.map((p) => [Number(p.startNs), Number(p.endNs), p.guestTask?.comm ?? "?"])).toEqual([
      [100, 150, "<idle>"],
      [150, 250, "?"],
      [250, 300, "kworker"],
    ]);
  });
});
