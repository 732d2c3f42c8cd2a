// Decoded records in merged time order → Chrome trace events. sched_switch becomes slices: the task
// switched in runs on that CPU's track until the next switch on that CPU (an X event, written once
// it ends), and a host thread that runs a guest vCPU gets a slice on its own track while it is on a
// CPU. Every other record is an instant on its CPU's track. Slices on one track never overlap:
// each starts no earlier than the previous one ended, and ends no earlier than it started.

import type { DecodedRecord } from "../../analysis/decoded-records.ts";
import type { Args, ChromeEvent } from "./chrome-event.ts";
import type { Machine, Track } from "./machines.ts";

/** A decoded record of the merged stream (src/analysis/decoded-records.ts). */
export type TimelineRecord = DecodedRecord;

interface OpenSlice {
  startNs: bigint;
  name: string;
  args: Args;
  /** The CPU the slice runs on (vCPU thread slices are closed when that CPU loses events). */
  cpu: number;
}

interface TrackState {
  machine: Machine;
  open?: OpenSlice;
  /** Where the last slice ended: the next one starts no earlier. */
  floorNs: bigint;
  lastNs?: bigint;
}

export class Timeline {
  readonly #tracks = new Map<Track, TrackState>();
  readonly #machineEndNs = new Map<Machine, bigint>();

  constructor(readonly emit: (e: ChromeEvent) => void) {}

  record(machine: Machine, track: Track, r: TimelineRecord): void {
    const state = this.#state(machine, track);
    if (r.missed !== 0) this.#lost(machine, track, state, r);
    if (isSchedSwitch(r)) this.#switch(machine, track, r);
    else this.#instant(track, r.tsNs, r.name, r.system, { common_pid: r.commonPid, common_comm: r.comm, ...r.fields });
    state.lastNs = r.tsNs;
    const end = this.#machineEndNs.get(machine);
    if (end === undefined || r.tsNs > end) this.#machineEndNs.set(machine, r.tsNs);
  }

  /** Ends every slice still running at the last timestamp of its machine. */
  finish(): void {
    for (const [track, state] of this.#tracks) {
      if (state.open) this.#close(track, state, this.#machineEndNs.get(state.machine) ?? state.open.startNs, {});
    }
  }

  #switch(machine: Machine, track: Track, r: TimelineRecord): void {
    const f = r.fields;
    const prevPid = Number(f.prev_pid);
    const nextPid = Number(f.next_pid);
    const state = this.#state(machine, track);
    if (state.open) this.#close(track, state, r.tsNs, { prev_state: f.prev_state ?? null });
    if (nextPid !== 0) {
      const comm = String(f.next_comm ?? "");
      this.#open(state, r.tsNs, { name: `${comm}-${nextPid}`, args: { comm, pid: nextPid, prio: f.next_prio ?? null }, cpu: r.cpu });
    }
    const prevThread = machine.vcpuThreads.get(prevPid);
    if (prevThread) {
      const s = this.#state(machine, prevThread);
      if (s.open) this.#close(prevThread, s, r.tsNs, {});
    }
    const nextThread = machine.vcpuThreads.get(nextPid);
    if (nextThread) {
      const s = this.#state(machine, nextThread);
      if (s.open) this.#close(nextThread, s, r.tsNs, {});
      this.#open(s, r.tsNs, { name: `CPU ${r.cpu}`, args: { cpu: r.cpu }, cpu: r.cpu });
    }
  }

  /** What ran on this CPU may have switched out unseen: its slices end at the CPU's last record. */
  #lost(machine: Machine, track: Track, state: TrackState, r: TimelineRecord): void {
    const endNs = state.lastNs ?? r.tsNs;
    if (state.open) this.#close(track, state, endNs, {});
    for (const thread of machine.vcpuThreads.values()) {
      const s = this.#tracks.get(thread);
      if (s?.open?.cpu === r.cpu) this.#close(thread, s, endNs, {});
    }
    this.#instant(track, r.tsNs, "lost events", "vtrace", { count: r.missed > 0 ? r.missed : "unknown" });
  }

  #instant(track: Track, tsNs: bigint, name: string, cat: string, args: Args): void {
    this.emit({ ph: "i", name, cat, tsNs, pid: track.pid, tid: track.tid, args });
  }

  #open(state: TrackState, tsNs: bigint, slice: Omit<OpenSlice, "startNs">): void {
    state.open = { ...slice, startNs: tsNs > state.floorNs ? tsNs : state.floorNs };
  }

  #close(track: Track, state: TrackState, endNs: bigint, endArgs: Args): void {
    const open = state.open!;
    const end = endNs > open.startNs ? endNs : open.startNs;
    state.open = undefined;
    state.floorNs = end;
    const args = { ...open.args, ...endArgs };
    this.emit({ ph: "X", name: open.name, cat: "sched", tsNs: open.startNs, durNs: end - open.startNs, pid: track.pid, tid: track.tid, args });
  }

  #state(machine: Machine, track: Track): TrackState {
    let state = this.#tracks.get(track);
    if (!state) this.#tracks.set(track, (state = { machine, floorNs: 0n }));
    return state;
  }
}

function isSchedSwitch(r: TimelineRecord): boolean {
  return r.name === "sched_switch" && r.system === "sched" && typeof r.fields.next_pid === "number" && typeof r.fields.prev_pid === "number";
}
