// vcpu-stat over a host + guests set: the set's records through the vCPU state machine into the
// collector. Pure over the opened files (their bytes come through the reader's ByteSource).

import type { VtraceError } from "../errors.ts";
import type { ReportInput } from "../report/handles.ts";
import { printsInUsecs } from "../report/time.ts";
import { forEachSetRecord, hostGuestSet, setWarnings } from "./host-guest-set.ts";
import { VcpuStatCollector, type VcpuStatResult } from "./vcpu-stat.ts";
import { readsFields, vcpuIds, VcpuStates } from "./vcpu-states.ts";

export interface VcpuStatReport extends VcpuStatResult {
  hostPath: string;
  /** Each guest's file, when it was given. */
  guestPaths: Map<string, string>;
  /** Guests the host names without any vCPU thread (left out). */
  unnamedGuests: string[];
  /** Times are ns, or clock ticks when the host's clock is a counter without TSC2NSEC. */
  unit: "ns" | "ticks";
  startNs?: bigint;
  endNs?: bigint;
  warnings: string[];
  /** The first read error, after everything readable was counted. */
  error?: VtraceError;
}

export function computeVcpuStat(inputs: ReportInput[], top: number): VcpuStatReport {
  const set = hostGuestSet(inputs);
  const collector = new VcpuStatCollector(vcpuIds(set.guests), top);
  const machine = new VcpuStates(set.guests, collector);
  const error = forEachSetRecord(inputs, set, (source, r) => machine.record(source, r), readsFields);
  machine.finish();
  const guestPaths = new Map([...set.guestOf].map(([input, name]) => [name, input.path]));
  const named = new Set(set.guests.map((g) => g.name));
  return {
    ...collector.result(),
    hostPath: set.host.path,
    guestPaths,
    unnamedGuests: set.host.dat.options.guests.map((g) => g.name).filter((n) => !named.has(n)),
    unit: printsInUsecs(set.host.dat, false) ? "ns" : "ticks",
    ...machine.window,
    warnings: setWarnings(inputs),
    error,
  };
}
