// vcpu-stat's numbers, summed from the vCPU state pieces (vcpu-states.ts): per vCPU the time in each
// state; per guest the host tasks that held a CPU a vCPU waited for, the guest tasks that were on a
// vCPU while it waited (time they believe they ran), the longest stalls, and kvm exits per guest task.
// Pure: pieces in, plain numbers out.

import type { KvmExit, Task, VcpuId, VcpuPiece, VcpuState, VcpuStateSink } from "./vcpu-states.ts";

export const VCPU_STATES: readonly VcpuState[] = ["running", "preempted", "halted", "hypervisor", "unknown"];

export interface VcpuTimes {
  vcpu: number;
  hostTid: number;
  ns: Record<VcpuState, bigint>;
}

export interface TaskTime extends Task {
  ns: bigint;
}

export interface Stall {
  vcpu: number;
  startNs: bigint;
  durationNs: bigint;
  /** The guest task on the vCPU for most of the stall. */
  guestTask?: Task;
  /** The host task that held the CPU for most of the stall, and for how long. */
  preemptor?: TaskTime;
}

export interface ExitTimes {
  /** The guest task on the vCPU at the exit; undefined when not known. */
  task?: Task;
  reason: string;
  count: number;
  /** Time in the hypervisor after these exits. */
  ns: bigint;
}

export interface GuestStat {
  name: string;
  vcpus: VcpuTimes[];
  preemptors: TaskTime[];
  tasks: TaskTime[];
  stalls: Stall[];
  exits: ExitTimes[];
}

export interface VcpuStatResult {
  guests: GuestStat[];
  /** Whether any kvm_exit was seen (else hypervisor time is not measured, and counts as running). */
  kvmEvents: boolean;
}

interface OpenStall {
  vcpu: VcpuId;
  startNs: bigint;
  endNs: bigint;
  holders: Map<string, TaskTime>;
  tasks: Map<string, TaskTime>;
}

interface GuestSums {
  vcpus: Map<number, VcpuTimes>;
  preemptors: Map<string, TaskTime>;
  tasks: Map<string, TaskTime>;
  /** The `top` longest stalls so far, longest first. */
  stalls: Stall[];
  exits: Map<string, ExitTimes>;
}

/** Sums pieces as the state machine emits them; result() gives the totals. */
export class VcpuStatCollector implements VcpuStateSink {
  readonly #guests = new Map<string, GuestSums>();
  readonly #open = new Map<string, OpenStall>();
  #kvmEvents = false;

  constructor(
    vcpus: readonly VcpuId[],
    /** How many stalls to keep. */
    readonly top: number,
  ) {
    for (const v of vcpus) this.#sums(v.guest).vcpus.set(v.vcpu, { vcpu: v.vcpu, hostTid: v.tid, ns: zeroTimes() });
  }

  piece(p: VcpuPiece): void {
    const g = this.#sums(p.vcpu.guest);
    const ns = p.endNs - p.startNs;
    g.vcpus.get(p.vcpu.vcpu)!.ns[p.state] += ns;
    if (p.state === "preempted") {
      addTime(g.preemptors, p.holder ?? UNKNOWN_TASK, ns);
      addTime(g.tasks, p.guestTask ?? UNKNOWN_TASK, ns);
      this.#stallPiece(p, ns);
    } else {
      this.#endStall(p.vcpu);
    }
    if (p.state === "hypervisor") this.#exitTimes(g, p.guestTask, p.exitReason ?? "unknown").ns += ns;
  }

  exit(e: KvmExit): void {
    this.#kvmEvents = true;
    this.#exitTimes(this.#sums(e.vcpu.guest), e.guestTask, e.reason).count++;
  }

  result(): VcpuStatResult {
    for (const open of [...this.#open.values()]) this.#endStall(open.vcpu);
    const guests = [...this.#guests].map(([name, g]): GuestStat => ({
      name,
      vcpus: [...g.vcpus.values()].sort((a, b) => a.vcpu - b.vcpu),
      preemptors: byTime(g.preemptors),
      tasks: byTime(g.tasks),
      stalls: g.stalls,
      exits: [...g.exits.values()].sort((a, b) => (b.ns !== a.ns ? (b.ns > a.ns ? 1 : -1) : b.count - a.count)),
    }));
    return { guests, kvmEvents: this.#kvmEvents };
  }

  #stallPiece(p: VcpuPiece, ns: bigint): void {
    const start = p.stallStartNs ?? p.startNs;
    let open = this.#open.get(vcpuKey(p.vcpu));
    if (open && open.startNs !== start) {
      this.#endStall(p.vcpu);
      open = undefined;
    }
    if (!open) this.#open.set(vcpuKey(p.vcpu), (open = { vcpu: p.vcpu, startNs: start, endNs: p.endNs, holders: new Map(), tasks: new Map() }));
    open.endNs = p.endNs;
    addTime(open.holders, p.holder ?? UNKNOWN_TASK, ns);
    addTime(open.tasks, p.guestTask ?? UNKNOWN_TASK, ns);
  }

  #endStall(v: VcpuId): void {
    const open = this.#open.get(vcpuKey(v));
    if (!open) return;
    this.#open.delete(vcpuKey(v));
    const stalls = this.#sums(v.guest).stalls;
    const stall: Stall = { vcpu: v.vcpu, startNs: open.startNs, durationNs: open.endNs - open.startNs };
    const task = byTime(open.tasks)[0];
    if (task && task.pid >= 0) stall.guestTask = { pid: task.pid, comm: task.comm };
    const holder = byTime(open.holders)[0];
    if (holder && holder.pid >= 0) stall.preemptor = holder;
    insertLongest(stalls, stall, this.top);
  }

  #sums(guest: string): GuestSums {
    let g = this.#guests.get(guest);
    if (!g) this.#guests.set(guest, (g = { vcpus: new Map(), preemptors: new Map(), tasks: new Map(), stalls: [], exits: new Map() }));
    return g;
  }

  #exitTimes(g: GuestSums, task: Task | undefined, reason: string): ExitTimes {
    const key = `${task ? taskKey(task) : ""}\0${reason}`;
    let e = g.exits.get(key);
    if (!e) g.exits.set(key, (e = { task: task ? { pid: task.pid, comm: task.comm } : undefined, reason, count: 0, ns: 0n }));
    return e;
  }
}

/** Time charged to nobody known (the CPU's task before its first switch, or after lost events). */
export const UNKNOWN_TASK: Task = { pid: -1, comm: "<unknown>" };

function zeroTimes(): Record<VcpuState, bigint> {
  return { running: 0n, preempted: 0n, halted: 0n, hypervisor: 0n, unknown: 0n };
}

function vcpuKey(v: VcpuId): string {
  return `${v.guest}\0${v.vcpu}`;
}

function taskKey(t: Task): string {
  return `${t.pid}\0${t.comm}`;
}

function addTime(into: Map<string, TaskTime>, t: Task, ns: bigint): void {
  const key = taskKey(t);
  const e = into.get(key);
  if (e) e.ns += ns;
  else into.set(key, { pid: t.pid, comm: t.comm, ns });
}

/** Longest first; ties by pid for a stable order. */
function byTime(m: Map<string, TaskTime>): TaskTime[] {
  return [...m.values()].sort((a, b) => (b.ns !== a.ns ? (b.ns > a.ns ? 1 : -1) : a.pid - b.pid));
}

function insertLongest(stalls: Stall[], s: Stall, top: number): void {
  if (top <= 0) return;
  if (stalls.length >= top && stalls[stalls.length - 1]!.durationNs >= s.durationNs) return;
  let at = stalls.findIndex((x) => x.durationNs < s.durationNs);
  if (at < 0) at = stalls.length;
  stalls.splice(at, 0, s);
  if (stalls.length > top) stalls.pop();
}
