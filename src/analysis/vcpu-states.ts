// What each guest vCPU's host thread was doing, over the merged host + guest timeline: running on a
// host CPU (in guest mode, or in the hypervisor between kvm_exit and kvm_entry), preempted (runnable
// while another host task held the CPU it waits for), halted (sleeping: the guest idles), or unknown.
// Pure: records in, in time order; pieces out. A piece is a stretch of one vCPU's time over which
// nothing tracked changed (state, host CPU, what held that CPU, the guest task, the exit reason), so
// sums over pieces answer "who took the CPU" and "which guest task lost time" exactly. Pieces of a
// vCPU tile its recorded time, from the host trace's first record to its last, in time order.
// Source of truth: kernel include/trace/events/sched.h (prev_state: 0 = runnable, low byte = sleep
// states, higher bits = the preempt flag TASK_REPORT_MAX), arch/x86/kvm/trace.h (kvm_exit/kvm_entry
// are traced by the vCPU thread itself), kernel/sched/core.c (try_to_wake_up: sched_waking, then
// sched_migrate_task when the CPU changes, then sched_wakeup with the runqueue's CPU).

export type VcpuState = "running" | "hypervisor" | "preempted" | "halted" | "unknown";

export interface Task {
  pid: number;
  comm: string;
}

export interface VcpuId {
  guest: string;
  vcpu: number;
  /** The host thread that runs it (from the host file's GUEST option). */
  tid: number;
}

export interface VcpuPiece {
  vcpu: VcpuId;
  state: VcpuState;
  startNs: bigint;
  endNs: bigint;
  /** running, hypervisor: the host CPU it ran on; preempted: the one it waited for; else -1. */
  hostCpu: number;
  /** preempted: the host task that held hostCpu meanwhile, when known. */
  holder?: Task;
  /** The guest task on this vCPU by the guest's own sched_switch, when known. */
  guestTask?: Task;
  /** hypervisor: the reason of the kvm_exit that began it. */
  exitReason?: string;
  /** preempted: when this wait began; the pieces of one stall share it. */
  stallStartNs?: bigint;
}

export interface KvmExit {
  vcpu: VcpuId;
  tsNs: bigint;
  reason: string;
  guestTask?: Task;
}

export interface VcpuStateSink {
  piece(p: VcpuPiece): void;
  exit?(e: KvmExit): void;
}

/** The fields of a decoded record the state machine reads. */
export interface StateRecord {
  tsNs: bigint;
  cpu: number;
  system: string;
  name: string;
  commonPid: number;
  fields: Readonly<Record<string, unknown>>;
  missed: number;
  /** The comm of commonPid. */
  comm?: string;
  exitReason?: string;
}

export type RecordSource = { kind: "host" } | { kind: "guest"; name: string };

export interface GuestVcpus {
  name: string;
  /** Host thread id by vCPU number. */
  hostTids: ReadonlyMap<number, number>;
  /**
   * The guest's own records come too: pieces wait for the guest's first record on their vCPU,
   * which names the task that was on it. Without, guest tasks stay unknown.
   */
  traced?: boolean;
}

/**
 * The host task a CPU runs, from a switch-in to the next switch on that CPU, which names it again
 * (prev): by then it may have exec'd under a new comm, and it may be the first switch seen, which
 * names a task running since the trace began. Pieces that waited for the CPU are held until then.
 */
interface HolderCell {
  task?: Task;
  /** Switched out: the task and its comm are final. */
  ended?: boolean;
  /** No switch will name it any more (lost events, end of trace): it stays as it is. */
  closed?: boolean;
}

interface HostCpu {
  current: HolderCell;
  lastNs?: bigint;
}

type Sched = "initial" | "running" | "waiting" | "sleeping" | "unknown";

interface Vcpu {
  id: VcpuId;
  sched: Sched;
  hostCpu: number;
  /** undefined until a kvm event says: without kvm events all on-CPU time is "running". */
  inGuest?: boolean;
  exitReason?: string;
  guestTask?: Task;
  /** No guest record seen on this vCPU yet: the first one names the task retroactively. */
  guestInitial: boolean;
  guestLastNs?: bigint;
  stallStartNs?: bigint;
  /** Start of the open piece; undefined before the host trace starts. */
  startNs?: bigint;
  /** Closed pieces waiting for their holder or their guest task to be named, in order. */
  queue: { piece: VcpuPiece; cell?: HolderCell; guestPending?: boolean }[];
}

const WAKEUPS = new Set(["sched_wakeup", "sched_wakeup_new", "sched_waking"]);
/** prev_state bits that mean "sleeping"; above them is the preempt flag (still runnable). */
const SLEEP_STATE_MASK = 0xff;

export class VcpuStates {
  readonly #byTid = new Map<number, Vcpu>();
  readonly #byGuestCpu = new Map<string, Vcpu>();
  readonly #cpus = new Map<number, HostCpu>();
  #firstHostNs?: bigint;
  #lastHostNs?: bigint;
  /**
   * Guest records since the last host record. They apply when the next host record comes (none
   * is earlier than it): those after the host trace's last record are outside the recorded time.
   */
  #guestBacklog: { guest: string; r: StateRecord }[] = [];

  constructor(
    guests: readonly GuestVcpus[],
    readonly sink: VcpuStateSink,
  ) {
    const traced = new Set(guests.filter((g) => g.traced).map((g) => g.name));
    for (const id of vcpuIds(guests)) {
      const v: Vcpu = { id, sched: "initial", hostCpu: -1, guestInitial: traced.has(id.guest), queue: [] };
      this.#byTid.set(id.tid, v);
      this.#byGuestCpu.set(guestCpuKey(id.guest, id.vcpu), v);
    }
  }

  /** The host trace's first and last record times: the time every vCPU's pieces cover. */
  get window(): { startNs?: bigint; endNs?: bigint } {
    return { startNs: this.#firstHostNs, endNs: this.#lastHostNs };
  }

  record(source: RecordSource, r: StateRecord): void {
    if (source.kind === "guest") this.#guestBacklog.push({ guest: source.name, r });
    else this.#hostRecord(r);
  }

  /** Closes every vCPU's open piece at the host trace's last record. */
  finish(): void {
    const end = this.#lastHostNs;
    for (const cpu of this.#cpus.values()) cpu.current.closed = true;
    for (const v of this.#byTid.values()) {
      if (end !== undefined) this.#split(v, end);
      for (const q of v.queue) {
        if (q.cell) q.cell.closed = true;
        q.guestPending = false;
      }
      this.#flush(v);
    }
  }

  #hostRecord(r: StateRecord): void {
    if (this.#firstHostNs === undefined) this.#start(r.tsNs);
    for (const g of this.#guestBacklog) this.#guestRecord(g.guest, g.r);
    this.#guestBacklog = [];
    this.#lastHostNs = r.tsNs;
    const cpu = this.#cpu(r.cpu);
    if (r.missed !== 0) this.#lost(r.cpu, cpu.lastNs ?? r.tsNs);
    cpu.lastNs = r.tsNs;
    if (r.system === "sched") {
      if (r.name === "sched_switch") this.#switch(r);
      else if (WAKEUPS.has(r.name)) this.#wakeup(r);
      else if (r.name === "sched_migrate_task") this.#migrate(r);
    } else if (r.system === "kvm" && (r.name === "kvm_exit" || r.name === "kvm_entry")) {
      this.#kvm(r);
    }
  }

  #start(ts: bigint): void {
    this.#firstHostNs = ts;
    for (const v of this.#byTid.values()) v.startNs = ts;
  }

  #switch(r: StateRecord): void {
    const prev = task(r.fields.prev_pid, r.fields.prev_comm);
    const next = task(r.fields.next_pid, r.fields.next_comm);
    if (!prev || !next) return;
    const cpu = this.#cpu(r.cpu);
    const prevVcpu = this.#byTid.get(prev.pid);
    const nextVcpu = this.#byTid.get(next.pid);
    if (nextVcpu?.sched === "initial") this.#retro(nextVcpu, "waiting", r.cpu);
    if (prevVcpu?.sched === "initial") this.#retro(prevVcpu, "running", r.cpu);
    for (const v of this.#byTid.values()) if (v.sched === "waiting" && v.hostCpu === r.cpu) this.#split(v, r.tsNs);
    // The switch names what ran until now (the first switch on a CPU, or a comm changed by exec).
    const ended = cpu.current;
    if (!ended.closed && (!ended.task || ended.task.pid === prev.pid)) ended.task = prev;
    ended.ended = true;
    cpu.current = { task: next };
    for (const v of this.#byTid.values()) this.#flush(v);
    if (prevVcpu) {
      this.#split(prevVcpu, r.tsNs);
      const runnable = (Number(r.fields.prev_state) & SLEEP_STATE_MASK) === 0;
      if (runnable) this.#wait(prevVcpu, r.cpu, r.tsNs);
      else this.#set(prevVcpu, "sleeping", -1);
    }
    if (nextVcpu) {
      this.#split(nextVcpu, r.tsNs);
      this.#set(nextVcpu, "running", r.cpu);
    }
  }

  #wakeup(r: StateRecord): void {
    const v = this.#byTid.get(Number(r.fields.pid));
    const target = Number(r.fields.target_cpu);
    if (!v || !Number.isInteger(target) || target < 0) return;
    if (v.sched === "initial") this.#retro(v, "sleeping", -1);
    if (v.sched === "running" || (v.sched === "waiting" && v.hostCpu === target)) return;
    this.#split(v, r.tsNs);
    if (v.sched === "waiting") v.hostCpu = target;
    else this.#wait(v, target, r.tsNs);
  }

  /** A runnable thread moved to another runqueue: it now waits for that CPU. */
  #migrate(r: StateRecord): void {
    const v = this.#byTid.get(Number(r.fields.pid));
    const dest = Number(r.fields.dest_cpu);
    if (v?.sched !== "waiting" || !Number.isInteger(dest) || dest < 0 || dest === v.hostCpu) return;
    this.#split(v, r.tsNs);
    v.hostCpu = dest;
  }

  #kvm(r: StateRecord): void {
    const v = this.#byTid.get(r.commonPid);
    if (!v) return;
    if (v.sched === "initial") this.#retro(v, "running", r.cpu);
    this.#split(v, r.tsNs);
    // A vCPU thread tracing kvm events is on this CPU now, whatever was known before.
    this.#set(v, "running", r.cpu);
    if (r.name === "kvm_exit") {
      v.inGuest = false;
      v.exitReason = r.exitReason ?? `reason ${String(r.fields.exit_reason)}`;
      this.sink.exit?.({ vcpu: v.id, tsNs: r.tsNs, reason: v.exitReason, guestTask: v.guestTask });
    } else {
      v.inGuest = true;
      v.exitReason = undefined;
    }
  }

  /**
   * Events of CPU `cpuNum` were lost after `at`: what ran there is unknown until its next switch,
   * and so is every vCPU thread that was on or waiting for it, and every sleeping one (its wakeup
   * and run may be among the lost events). Unknown time is not guessed at afterwards.
   */
  #lost(cpuNum: number, at: bigint): void {
    const cpu = this.#cpu(cpuNum);
    cpu.current.closed = true;
    cpu.current = {};
    for (const v of this.#byTid.values()) {
      const affected = v.sched === "sleeping" || v.sched === "initial" || ((v.sched === "running" || v.sched === "waiting") && v.hostCpu === cpuNum);
      if (!affected) continue;
      this.#split(v, at > (v.startNs ?? at) ? at : (v.startNs ?? at));
      this.#set(v, "unknown", -1);
      v.inGuest = undefined;
    }
    for (const v of this.#byTid.values()) this.#flush(v);
  }

  #guestRecord(guest: string, r: StateRecord): void {
    const v = this.#byGuestCpu.get(guestCpuKey(guest, r.cpu));
    if (!v) return;
    if (r.missed !== 0) {
      const at = v.guestLastNs ?? r.tsNs;
      this.#split(v, v.startNs !== undefined && at < v.startNs ? v.startNs : at);
      v.guestTask = undefined;
      this.#guestKnown(v);
    }
    v.guestLastNs = r.tsNs;
    // Every guest record is traced by the task on that vCPU: it names the task since the trace
    // began (the first record) or since events were lost.
    const current = task(r.commonPid, r.comm);
    if (current && (v.guestInitial || v.guestTask === undefined)) {
      this.#split(v, r.tsNs);
      v.guestTask = current;
      this.#guestKnown(v);
    }
    if (r.system !== "sched" || r.name !== "sched_switch") return;
    const next = task(r.fields.next_pid, r.fields.next_comm);
    if (!next) return;
    this.#split(v, r.tsNs);
    v.guestTask = next;
  }

  /** The guest task is known from here on; pieces held for it before get `v.guestTask`, if any. */
  #guestKnown(v: Vcpu): void {
    if (!v.guestInitial) return;
    v.guestInitial = false;
    for (const q of v.queue) {
      if (!q.guestPending) continue;
      q.guestPending = false;
      if (v.guestTask) q.piece.guestTask = v.guestTask;
    }
    this.#flush(v);
  }

  /** The first event says what the thread was doing since the trace began. */
  #retro(v: Vcpu, sched: Sched, hostCpu: number): void {
    this.#set(v, sched, hostCpu);
    if (sched === "waiting") v.stallStartNs = v.startNs;
  }

  #wait(v: Vcpu, hostCpu: number, ts: bigint): void {
    this.#set(v, "waiting", hostCpu);
    v.stallStartNs = ts;
    this.#cpu(hostCpu);
  }

  #set(v: Vcpu, sched: Sched, hostCpu: number): void {
    v.sched = sched;
    v.hostCpu = hostCpu;
    if (sched !== "waiting") v.stallStartNs = undefined;
  }

  /** Closes the open piece at `ts` (nothing when empty) and opens the next one there. */
  #split(v: Vcpu, ts: bigint): void {
    const start = v.startNs;
    if (start === undefined || ts <= start) return;
    v.startNs = ts;
    const state = stateOf(v);
    const piece: VcpuPiece = { vcpu: v.id, state, startNs: start, endNs: ts, hostCpu: state === "halted" || state === "unknown" ? -1 : v.hostCpu };
    if (v.guestTask) piece.guestTask = v.guestTask;
    if (state === "hypervisor" && v.exitReason !== undefined) piece.exitReason = v.exitReason;
    let cell: HolderCell | undefined;
    if (state === "preempted") {
      piece.stallStartNs = v.stallStartNs;
      cell = this.#cpu(v.hostCpu).current;
    }
    v.queue.push({ piece, cell, guestPending: v.guestInitial });
    this.#flush(v);
  }

  /** Emits the queued pieces whose holder is known (or never will be), in order. */
  #flush(v: Vcpu): void {
    let n = 0;
    for (const q of v.queue) {
      if ((q.cell && !q.cell.ended && !q.cell.closed) || q.guestPending) break;
      if (q.cell?.task) q.piece.holder = q.cell.task;
      this.sink.piece(q.piece);
      n++;
    }
    if (n > 0) v.queue.splice(0, n);
  }

  #cpu(n: number): HostCpu {
    let cpu = this.#cpus.get(n);
    if (!cpu) this.#cpus.set(n, (cpu = { current: {} }));
    return cpu;
  }
}

/** The guests' vCPUs, by guest then vCPU number: the ones VcpuStates follows. */
export function vcpuIds(guests: readonly GuestVcpus[]): VcpuId[] {
  return guests.flatMap((g) => [...g.hostTids].sort((a, b) => a[0] - b[0]).map(([vcpu, tid]) => ({ guest: g.name, vcpu, tid })));
}

/** The events whose fields the state machine reads; other records count only by time, CPU, pid and loss. */
export function readsFields(event: { system: string; name: string }): boolean {
  return (event.system === "sched" && (event.name === "sched_switch" || event.name === "sched_migrate_task" || WAKEUPS.has(event.name))) || (event.system === "kvm" && event.name === "kvm_exit");
}

function stateOf(v: Vcpu): VcpuState {
  switch (v.sched) {
    case "running":
      return v.inGuest === false ? "hypervisor" : "running";
    case "waiting":
      return "preempted";
    case "sleeping":
      return "halted";
    default:
      return "unknown";
  }
}

function task(pid: unknown, comm: unknown): Task | undefined {
  if (typeof pid !== "number") return undefined;
  return { pid, comm: pid === 0 ? "<idle>" : typeof comm === "string" ? comm : "" };
}

function guestCpuKey(guest: string, cpu: number): string {
  return `${guest}\0${cpu}`;
}
