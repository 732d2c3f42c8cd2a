// vcpu-stat --json, for scripts: the same numbers as the text, times as integers in the file's unit
// ("unit": "ns", or "ticks" for counter clocks), unknown tasks as null.

import type { Task } from "./vcpu-states.ts";
import type { GuestStat } from "./vcpu-stat.ts";
import type { VcpuStatReport } from "./vcpu-stat-run.ts";

export function formatVcpuStatJson(r: VcpuStatReport, top: number): string {
  const doc = {
    host: r.hostPath,
    unit: r.unit,
    start_ns: num(r.startNs),
    end_ns: num(r.endNs),
    kvm_events: r.kvmEvents,
    guests: r.guests.map((g) => guestJson(r, g, top)),
    unnamed_guests: r.unnamedGuests,
  };
  return `${JSON.stringify(doc, null, 1)}\n`;
}

function guestJson(r: VcpuStatReport, g: GuestStat, top: number): Record<string, unknown> {
  return {
    name: g.name,
    file: r.guestPaths.get(g.name) ?? null,
    vcpus: g.vcpus.map((v) => ({
      vcpu: v.vcpu,
      host_tid: v.hostTid,
      running_ns: num(v.ns.running),
      preempted_ns: num(v.ns.preempted),
      halted_ns: num(v.ns.halted),
      hypervisor_ns: num(v.ns.hypervisor),
      unknown_ns: num(v.ns.unknown),
    })),
    preemptors: g.preemptors.slice(0, top).map((t) => ({ ...task(t), ns: num(t.ns) })),
    tasks: g.tasks.slice(0, top).map((t) => ({ ...task(t), preempted_ns: num(t.ns) })),
    stalls: g.stalls.slice(0, top).map((s) => ({
      start_ns: num(s.startNs),
      duration_ns: num(s.durationNs),
      vcpu: s.vcpu,
      task: s.guestTask ? task(s.guestTask) : null,
      preemptor: s.preemptor ? { ...task(s.preemptor), ns: num(s.preemptor.ns) } : null,
    })),
    exits: g.exits.slice(0, top).map((e) => ({ ...(e.task ? task(e.task) : { comm: null, pid: null }), reason: e.reason, count: e.count, ns: num(e.ns) })),
  };
}

/** comm and pid; the unknown task (pid -1) has null for both. */
function task(t: Task): { comm: string | null; pid: number | null } {
  return t.pid < 0 ? { comm: null, pid: null } : { comm: t.comm, pid: t.pid };
}

function num(v: bigint | undefined): number | null {
  return v === undefined ? null : Number(v);
}
