// The Perfetto export's vCPU state tracks (src/export/perfetto/vcpu-state-slices.ts) from hand-made
// pieces: consecutive pieces with one name make one slice, unknown time is a gap, a vCPU gets its
// track name with its first slice, guests without a file get nothing; the JSON passes the validator.

import { expect, test } from "bun:test";
import type { VcpuId, VcpuPiece } from "../../../src/analysis/vcpu-states.ts";
import { formatChromeEvent, type ChromeEvent } from "../../../src/export/perfetto/chrome-event.ts";
import { layoutMachines } from "../../../src/export/perfetto/machines.ts";
import { VcpuStateSlices } from "../../../src/export/perfetto/vcpu-state-slices.ts";
import { checkChromeTrace } from "../export/perfetto-validator.ts";

const TIDS = new Map([[0, 1234]]);
const [host, guest] = layoutMachines([
  { path: "trace.dat", role: { kind: "host", guests: [{ name: "ga", hostTids: TIDS }] }, buffers: [{ name: "", cpus: [0, 1] }] },
  { path: "trace-ga.dat", role: { kind: "guest", name: "ga", hostTids: TIDS }, buffers: [{ name: "", cpus: [0] }] },
]);
const V0: VcpuId = { guest: "ga", vcpu: 0, tid: 1234 };
const OTHER: VcpuId = { guest: "gb", vcpu: 0, tid: 99 };

function piece(vcpu: VcpuId, state: VcpuPiece["state"], start: number, end: number, extra: Partial<VcpuPiece> = {}): VcpuPiece {
  return { vcpu, state, startNs: BigInt(start), endNs: BigInt(end), hostCpu: state === "halted" || state === "unknown" ? -1 : 1, ...extra };
}

test("pieces become named slices on one track per vCPU in the guest's process; unknown time is a gap", () => {
  const events: ChromeEvent[] = [];
  const slices = new VcpuStateSlices(new Map([["ga", guest!]]), (e) => events.push(e));
  const hog = { pid: 77, comm: "hog" };
  slices.piece(piece(V0, "running", 100, 200, { guestTask: { pid: 5, comm: "sh" } }));
  slices.piece(piece(V0, "running", 200, 250, { guestTask: { pid: 6, comm: "dd" } }));
  slices.piece(piece(V0, "preempted", 250, 300, { holder: hog }));
  slices.piece(piece(V0, "preempted", 300, 320));
  slices.piece(piece(V0, "unknown", 320, 400));
  slices.piece(piece(V0, "halted", 400, 500));
  slices.piece(piece(V0, "hypervisor", 500, 510, { exitReason: "HLT" }));
  slices.piece(piece(OTHER, "running", 100, 900));
  slices.finish();
  const tid = guest!.pid * 1_000_000 + 500_000;
  expect(events.filter((e) => e.ph === "M")).toEqual([
    { ph: "M", name: "thread_name", pid: guest!.pid, tid, args: { name: "vCPU 0 on the host (tid 1234)" } },
    { ph: "M", name: "thread_sort_index", pid: guest!.pid, tid, args: { sort_index: 500_000 } },
  ]);
  const xs = events.filter((e) => e.ph === "X") as Extract<ChromeEvent, { ph: "X" }>[];
  expect(xs.map((e) => [e.name, Number(e.tsNs), Number(e.durNs), e.tid === tid])).toEqual([
    ["running on CPU 1", 100, 150, true],
    ["preempted: CPU 1 ran hog-77", 250, 50, true],
    ["preempted: waiting for CPU 1", 300, 20, true],
    ["halted", 400, 100, true],
    ["hypervisor: HLT", 500, 10, true],
  ]);
  expect(xs[0]!.args).toEqual({ state: "running", host_cpu: 1, host_tid: 1234, guest_task: "sh-5" });
  const meta = [
    { ph: "M" as const, name: "process_name" as const, pid: guest!.pid, tid: guest!.pid * 1_000_000, args: { name: guest!.name } },
    { ph: "M" as const, name: "process_name" as const, pid: host!.pid, tid: host!.pid * 1_000_000, args: { name: host!.name } },
  ];
  const checked = checkChromeTrace(`{"traceEvents":[${[...meta, ...events].map(formatChromeEvent).join(",\n")}]}`);
  expect(checked.problems).toEqual([]);
});
