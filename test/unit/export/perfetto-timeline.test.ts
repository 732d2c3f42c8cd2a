// Timeline + layoutMachines() on synthetic records: sched_switch slices per CPU, vCPU thread slices
// on the host, instants, lost events, time going backwards, and the metadata naming it all.

import { describe, expect, test } from "bun:test";
import { formatChromeEvent, type ChromeEvent } from "../../../src/export/perfetto/chrome-event.ts";
import { cpuKey, layoutMachines, metadataEvents, type Machine, type MachineSpec } from "../../../src/export/perfetto/machines.ts";
import { Timeline, type TimelineRecord } from "../../../src/export/perfetto/timeline.ts";
import { checkChromeTrace } from "./perfetto-validator.ts";

const HOST_TIDS = new Map([
  [0, 1234],
  [1, 1235],
]);
const SET: MachineSpec[] = [
  { path: "trace.dat", role: { kind: "host", guests: [{ name: "ga", hostTids: HOST_TIDS }] }, buffers: [{ name: "", cpus: [0, 1] }] },
  { path: "trace-ga.dat", role: { kind: "guest", name: "ga", hostTids: HOST_TIDS }, buffers: [{ name: "", cpus: [1, 0] }, { name: "inst", cpus: [1] }] },
];

function sw(tsNs: bigint, cpu: number, prevPid: number, nextPid: number, nextComm: string, missed = 0): TimelineRecord {
  const fields = { prev_comm: "x", prev_pid: prevPid, prev_prio: 120, prev_state: 1, next_comm: nextComm, next_pid: nextPid, next_prio: 120 };
  return { tsNs, cpu, system: "sched", name: "sched_switch", commonPid: prevPid, comm: "x", fields, missed };
}

function wakeup(tsNs: bigint, cpu: number, missed = 0): TimelineRecord {
  return { tsNs, cpu, system: "sched", name: "sched_wakeup", commonPid: 9, comm: "bash", fields: { comm: "w", pid: 5 }, missed };
}

function run(records: [Machine, number, TimelineRecord][]): ChromeEvent[] {
  const events: ChromeEvent[] = [];
  const timeline = new Timeline((e) => events.push(e));
  for (const [m, cpu, r] of records) timeline.record(m, m.cpuTracks.get(cpuKey("", cpu))!, r);
  timeline.finish();
  return events;
}

function asJson(events: ChromeEvent[]): string {
  return `{"traceEvents":[${events.map(formatChromeEvent).join(",\n")}]}`;
}

test("layoutMachines() + metadataEvents() name each machine and CPU; vCPU tracks name their host thread, which has its own track", () => {
  const names = metadataEvents(layoutMachines(SET)).map((e) => [e.name, e.pid, e.tid, e.args]);
  expect(names).toEqual([
    ["process_name", 1, 1000000, { name: "host (trace.dat)" }],
    ["process_sort_index", 1, 1000000, { sort_index: 0 }],
    ["thread_name", 1, 1000000, { name: "CPU 0" }],
    ["thread_sort_index", 1, 1000000, { sort_index: 0 }],
    ["thread_name", 1, 1000001, { name: "CPU 1" }],
    ["thread_sort_index", 1, 1000001, { sort_index: 1 }],
    ["thread_name", 1, 1000002, { name: "tid 1234 (ga vCPU 0)" }],
    ["thread_sort_index", 1, 1000002, { sort_index: 2 }],
    ["thread_name", 1, 1000003, { name: "tid 1235 (ga vCPU 1)" }],
    ["thread_sort_index", 1, 1000003, { sort_index: 3 }],
    ["process_name", 2, 2000000, { name: "guest ga (trace-ga.dat)" }],
    ["process_sort_index", 2, 2000000, { sort_index: 2 }],
    ["thread_name", 2, 2000000, { name: "vCPU 0 (host tid 1234)" }],
    ["thread_sort_index", 2, 2000000, { sort_index: 0 }],
    ["thread_name", 2, 2000001, { name: "vCPU 1 (host tid 1235)" }],
    ["thread_sort_index", 2, 2000001, { sort_index: 1 }],
    ["thread_name", 2, 2000002, { name: "vCPU 1 (host tid 1235) (buffer inst)" }],
    ["thread_sort_index", 2, 2000002, { sort_index: 2 }],
  ]);
});

test("layoutMachines() names a plain file's process after its path and its tracks CPU N", () => {
  const [m] = layoutMachines([{ path: "out/t.dat", role: { kind: "file" }, buffers: [{ name: "", cpus: [0, 2] }] }]);
  expect([m!.name, [...m!.cpuTracks.values()].map((t) => [t.name, t.tid])]).toEqual(["out/t.dat", [["CPU 0", 1000000], ["CPU 2", 1000001]]]);
});

describe("Timeline", () => {
  const [host, guest] = layoutMachines(SET) as [Machine, Machine];

  test("turns sched_switch into slices from switch-in to switch-out on that CPU, and on the vCPU thread's own track", () => {
    const events = run([
      [host, 0, sw(1000n, 0, 0, 1234, "CPU 0/TCG")],
      [host, 0, wakeup(1500n, 0)],
      [host, 0, sw(2000n, 0, 1234, 0, "swapper/0")],
      [host, 1, sw(2500n, 1, 0, 1234, "CPU 0/TCG")],
      [guest, 0, wakeup(2600n, 0)],
      [host, 1, sw(3000n, 1, 1234, 77, "bash")],
      [host, 0, wakeup(3500n, 0)],
    ]);
    const instant = (tsNs: bigint, pid: number, tid: number): ChromeEvent => ({ ph: "i", name: "sched_wakeup", cat: "sched", tsNs, pid, tid, args: { common_pid: 9, common_comm: "bash", comm: "w", pid: 5 } });
    const slice = (name: string, tsNs: bigint, durNs: bigint, tid: number, args: object): ChromeEvent => ({ ph: "X", name, cat: "sched", tsNs, durNs, pid: 1, tid, args: args as never });
    const vcpu = { comm: "CPU 0/TCG", pid: 1234, prio: 120 };
    expect(events).toEqual([
      instant(1500n, 1, 1000000),
      slice("CPU 0/TCG-1234", 1000n, 1000n, 1000000, { ...vcpu, prev_state: 1 }),
      slice("CPU 0", 1000n, 1000n, 1000002, { cpu: 0 }),
      instant(2600n, 2, 2000000),
      slice("CPU 0/TCG-1234", 2500n, 500n, 1000001, { ...vcpu, prev_state: 1 }),
      slice("CPU 1", 2500n, 500n, 1000002, { cpu: 1 }),
      instant(3500n, 1, 1000000),
      // still running at the end: ends at the host's last timestamp
      slice("bash-77", 3000n, 500n, 1000001, { comm: "bash", pid: 77, prio: 120 }),
    ]);
    expect(checkChromeTrace(asJson([...metadataEvents([host, guest]), ...events])).problems).toEqual([]);
  });

  test("keeps slices non-negative and apart when time goes backwards on a CPU", () => {
    const events = run([
      [host, 0, sw(2000n, 0, 0, 10, "a")],
      [host, 0, sw(1800n, 0, 10, 11, "b")],
      [host, 0, sw(2100n, 0, 11, 12, "c")],
      [host, 0, sw(2050n, 0, 12, 0, "swapper/0")],
    ]);
    expect(events.map((e) => e.ph === "X" && [e.name, e.tsNs, e.durNs])).toEqual([
      ["a-10", 2000n, 0n],
      ["b-11", 2000n, 100n],
      ["c-12", 2100n, 0n],
    ]);
    expect(checkChromeTrace(asJson([...metadataEvents([host, guest]), ...events])).problems).toEqual([]);
  });

  test("ends the slices of a CPU that lost events at its last record, and marks the loss", () => {
    const events = run([
      [host, 0, sw(4000n, 0, 0, 1235, "CPU 1/TCG")],
      [host, 0, wakeup(4200n, 0)],
      [host, 1, wakeup(4300n, 1, -1)],
      [host, 0, wakeup(5000n, 0, 5)],
    ]);
    expect(events.map((e) => e.ph !== "M" && [e.ph, e.name, e.tsNs, e.ph === "X" ? e.durNs : e.args.count ?? null, e.tid])).toEqual([
      ["i", "sched_wakeup", 4200n, null, 1000000],
      ["i", "lost events", 4300n, "unknown", 1000001],
      ["i", "sched_wakeup", 4300n, null, 1000001],
      ["X", "CPU 1/TCG-1235", 4000n, 200n, 1000000],
      ["X", "CPU 0", 4000n, 200n, 1000003],
      ["i", "lost events", 5000n, 5, 1000000],
      ["i", "sched_wakeup", 5000n, null, 1000000],
    ]);
  });

  test("gives a record of an unknown format an instant with the name it was given", () => {
    const r: TimelineRecord = { tsNs: 7n, cpu: 0, system: "unknown", name: "unknown event 999", commonPid: 0, comm: "<idle>", fields: {}, missed: 0 };
    expect(run([[host, 0, r]])).toEqual([{ ph: "i", name: "unknown event 999", cat: "unknown", tsNs: 7n, pid: 1, tid: 1000000, args: { common_pid: 0, common_comm: "<idle>" } }]);
  });
});
