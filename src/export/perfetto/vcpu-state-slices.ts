// One track per guest vCPU in the guest's process, "vCPU N on the host": the vCPU state pieces
// (src/analysis/vcpu-states.ts) as slices (running on CPU N, preempted by the host task that held
// the CPU, halted, in the hypervisor after an exit), so a stall shows beside the guest's own CPU
// tracks. Consecutive pieces with the same name make one slice; unknown time is a gap. A vCPU the
// host trace says nothing about gets no track (its name is written with its first slice).

import type { VcpuId, VcpuPiece, VcpuStateSink } from "../../analysis/vcpu-states.ts";
import { taskName } from "../../analysis/vcpu-stat-text.ts";
import type { ChromeEvent } from "./chrome-event.ts";
import { TID_STRIDE, type Machine } from "./machines.ts";

/** Track numbers of the state tracks within their machine: far above its CPU tracks. */
const STATE_TRACK_BASE = TID_STRIDE / 2;

interface OpenSlice {
  name: string;
  startNs: bigint;
  endNs: bigint;
  piece: VcpuPiece;
}

export class VcpuStateSlices implements VcpuStateSink {
  readonly #open = new Map<string, OpenSlice>();
  readonly #named = new Set<string>();

  constructor(
    /** Guest machines by guest name (guests without a file get no tracks). */
    readonly guests: ReadonlyMap<string, Machine>,
    readonly emit: (e: ChromeEvent) => void,
  ) {}

  piece(p: VcpuPiece): void {
    if (!this.guests.has(p.vcpu.guest)) return;
    const key = `${p.vcpu.guest}\0${p.vcpu.vcpu}`;
    const open = this.#open.get(key);
    const name = p.state === "unknown" ? undefined : sliceName(p);
    if (open && open.name === name && open.endNs === p.startNs) {
      open.endNs = p.endNs;
      return;
    }
    if (open) this.#slice(open);
    if (name === undefined) this.#open.delete(key);
    else this.#open.set(key, { name, startNs: p.startNs, endNs: p.endNs, piece: p });
  }

  /** Writes the slices still open (the state machine has closed every piece by now). */
  finish(): void {
    for (const open of this.#open.values()) this.#slice(open);
    this.#open.clear();
  }

  #slice(s: OpenSlice): void {
    const { vcpu } = s.piece;
    const machine = this.guests.get(vcpu.guest)!;
    const tid = machine.pid * TID_STRIDE + STATE_TRACK_BASE + vcpu.vcpu;
    this.#name(machine, vcpu, tid);
    const p = s.piece;
    const args = {
      state: p.state,
      host_cpu: p.hostCpu >= 0 ? p.hostCpu : null,
      host_tid: vcpu.tid,
      ...(p.holder ? { holder: taskName(p.holder) } : {}),
      ...(p.guestTask ? { guest_task: taskName(p.guestTask) } : {}),
    };
    this.emit({ ph: "X", name: s.name, cat: "vcpu", tsNs: s.startNs, durNs: s.endNs - s.startNs, pid: machine.pid, tid, args });
  }

  #name(machine: Machine, vcpu: VcpuId, tid: number): void {
    const key = `${machine.pid}/${tid}`;
    if (this.#named.has(key)) return;
    this.#named.add(key);
    this.emit({ ph: "M", name: "thread_name", pid: machine.pid, tid, args: { name: stateTrackName(vcpu) } });
    this.emit({ ph: "M", name: "thread_sort_index", pid: machine.pid, tid, args: { sort_index: STATE_TRACK_BASE + vcpu.vcpu } });
  }
}

export function stateTrackName(v: VcpuId): string {
  return `vCPU ${v.vcpu} on the host (tid ${v.tid})`;
}

function sliceName(p: VcpuPiece): string {
  switch (p.state) {
    case "running":
      return `running on CPU ${p.hostCpu}`;
    case "hypervisor":
      return `hypervisor: ${p.exitReason ?? "unknown exit"}`;
    case "preempted":
      return p.holder ? `preempted: CPU ${p.hostCpu} ran ${taskName(p.holder)}` : `preempted: waiting for CPU ${p.hostCpu}`;
    case "halted":
      return "halted";
    default:
      return p.state;
  }
}
