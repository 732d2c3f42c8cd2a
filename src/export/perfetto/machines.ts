// Processes and threads of the export: one process per machine (input file), one thread per CPU of
// each buffer, and on a host one thread per guest vCPU thread, so that the guest's vCPU tracks
// (named after the host thread that runs them) sit next to that thread's own track.
// Track ids are made up, unique over the whole export: Perfetto's JSON importer names threads by
// tid alone (UpdateThreadName(tid)), so a tid reused in two processes would take one name.

import type { MachineRole } from "../../merge/machine-roles.ts";
import type { ChromeEvent } from "./chrome-event.ts";

/** tid = pid * TID_STRIDE + n, n counting the machine's tracks (its CPUs come first, in order). */
export const TID_STRIDE = 1_000_000;

export interface MachineSpec {
  /** The input path, as given. */
  path: string;
  role: MachineRole;
  /** The file's buffers, top buffer ("") first, each with the CPUs that get a track. */
  buffers: { name: string; cpus: number[] }[];
}

export interface Track {
  pid: number;
  tid: number;
  name: string;
  sortIndex: number;
}

export interface Machine {
  pid: number;
  name: string;
  sortIndex: number;
  /** CPU tracks by cpuKey(buffer, cpu). */
  cpuTracks: Map<string, Track>;
  /** Host only: the tracks of threads that run guest vCPUs, by host tid. */
  vcpuThreads: Map<number, Track>;
}

export function cpuKey(buffer: string, cpu: number): string {
  return `${buffer}\0${cpu}`;
}

export function layoutMachines(specs: readonly MachineSpec[]): Machine[] {
  return specs.map((spec, i) => layoutMachine(spec, i + 1));
}

function layoutMachine(spec: MachineSpec, pid: number): Machine {
  const { role } = spec;
  const name = role.kind === "host" ? `host (${spec.path})` : role.kind === "guest" ? `guest ${role.name} (${spec.path})` : spec.path;
  const machine: Machine = { pid, name, sortIndex: role.kind === "host" ? 0 : pid, cpuTracks: new Map(), vcpuThreads: new Map() };
  let n = 0;
  const track = (trackName: string): Track => ({ pid, tid: pid * TID_STRIDE + n, name: trackName, sortIndex: n++ });
  for (const buffer of spec.buffers) {
    for (const cpu of [...new Set(buffer.cpus)].sort((a, b) => a - b)) {
      const suffix = buffer.name === "" ? "" : ` (buffer ${buffer.name})`;
      machine.cpuTracks.set(cpuKey(buffer.name, cpu), track(`${cpuName(role, cpu)}${suffix}`));
    }
  }
  if (role.kind === "host") {
    for (const guest of role.guests) {
      for (const [vcpu, tid] of [...guest.hostTids].sort((a, b) => a[0] - b[0])) {
        if (!machine.vcpuThreads.has(tid)) machine.vcpuThreads.set(tid, track(`tid ${tid} (${guest.name} vCPU ${vcpu})`));
      }
    }
  }
  return machine;
}

function cpuName(role: MachineRole, cpu: number): string {
  if (role.kind !== "guest") return `CPU ${cpu}`;
  const tid = role.hostTids.get(cpu);
  return tid === undefined ? `vCPU ${cpu}` : `vCPU ${cpu} (host tid ${tid})`;
}

/** The M events naming and ordering every process and thread. */
export function metadataEvents(machines: readonly Machine[]): ChromeEvent[] {
  const events: ChromeEvent[] = [];
  for (const m of machines) {
    const tid = m.pid * TID_STRIDE;
    events.push({ ph: "M", name: "process_name", pid: m.pid, tid, args: { name: m.name } });
    events.push({ ph: "M", name: "process_sort_index", pid: m.pid, tid, args: { sort_index: m.sortIndex } });
    for (const t of [...m.cpuTracks.values(), ...m.vcpuThreads.values()]) {
      events.push({ ph: "M", name: "thread_name", pid: t.pid, tid: t.tid, args: { name: t.name } });
      events.push({ ph: "M", name: "thread_sort_index", pid: t.pid, tid: t.tid, args: { sort_index: t.sortIndex } });
    }
  }
  return events;
}
