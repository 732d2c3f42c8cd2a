// `record -A`: start each named guest's agent through the virt-server, record the host, stop
// them all together. The host file gets a GUEST option per guest (name, trace id, vCPU threads).

import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { VtraceError } from "../errors.ts";
import type { TraceOption } from "../tracedat/model.ts";
import { type GuestVcpu, guestOption } from "../tracedat/options-encode.ts";
import { connectControl, type ControlClient } from "./control-client.ts";
import type { GuestReply } from "./control-protocol.ts";

export interface GuestPlan {
  name: string;
  args: string[];
}

/**
 * QEMU names its vCPU threads "CPU N/KVM" or "CPU N/TCG" when started with -name ...,debug-threads=on
 * (libvirt does this). Without names every vCPU is listed with an unknown thread (-1): trace-cmd 3.1.6
 * fails to merge two or more guests whose GUEST option lists no vCPUs at all.
 */
export function vcpuThreads(qemuPid: number, cpus: number): { vcpus: GuestVcpu[]; named: boolean } {
  const named: GuestVcpu[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${qemuPid}/task`);
  } catch {
    tasks = [];
  }
  for (const tid of tasks) {
    try {
      const m = /^CPU (\d+)\//.exec(readFileSync(`/proc/${qemuPid}/task/${tid}/comm`, "utf8"));
      if (m) named.push({ vcpu: Number(m[1]), pid: Number(tid) });
    } catch {
      // thread ended
    }
  }
  if (named.length > 0) return { vcpus: named.sort((a, b) => a.vcpu - b.vcpu), named: true };
  return { vcpus: Array.from({ length: cpus }, (_, vcpu) => ({ vcpu, pid: -1 })), named: false };
}

export interface GuestRecording {
  started: GuestReply[];
  failed: GuestReply[];
  /** Things worth a line on stderr (e.g. vCPU threads that could not be found). */
  notes: string[];
  guestOptions: TraceOption[];
  /** Clock-sync probes with every started guest, stamped into the host trace through hostMarker. */
  sync(hostMarker: string): Promise<void>;
  stop(): Promise<GuestReply[]>;
}

export interface StartGuestsOptions {
  virtDir: string;
  output: string;
  plans: GuestPlan[];
  hostTraceId: bigint;
  littleEndian: boolean;
  /** The host instance's trace_marker: clock-sync probes at start are stamped there. */
  hostMarker?: string;
  /** --sync-interval: probe rounds also every this many ms while recording (needs hostMarker). */
  syncIntervalMs?: number;
}

export async function startGuests(o: StartGuestsOptions): Promise<GuestRecording> {
  const ctl = await connectControl(o.virtDir);
  const req = { op: "start" as const, output: resolve(o.output), traceId: o.hostTraceId.toString(), hostMarker: o.hostMarker, guests: o.plans };
  const reply = await ctl.request(req, 60_000);
  if (!reply.ok) {
    ctl.close();
    throw new VtraceError(`virt-server refused: ${reply.error}`);
  }
  const started = reply.guests.filter((g) => g.ok);
  const notes: string[] = [];
  const guestOptions = started.map((g) => {
    const threads = vcpuThreads(g.qemuPid ?? -1, g.cpus ?? 0);
    if (!threads.named) notes.push(`guest ${g.name}: QEMU (pid ${g.qemuPid ?? "unknown"}) does not name its vCPU threads (start it with -name guest=${g.name},debug-threads=on); the GUEST option lists them as unknown`);
    return guestOption(g.name, BigInt(g.traceId ?? "0"), threads.vcpus, o.littleEndian);
  });
  const periodic = periodicSync(ctl, o.hostMarker, started.length > 0 ? o.syncIntervalMs : undefined);
  return {
    started,
    failed: reply.guests.filter((g) => !g.ok),
    notes,
    guestOptions,
    async sync(hostMarker) {
      await periodic.end();
      await ctl.request({ op: "sync", hostMarker }, 60_000);
    },
    async stop() {
      await periodic.end();
      try {
        const r = await ctl.request({ op: "stop" }, 120_000);
        return r.ok ? r.guests : [];
      } finally {
        ctl.close();
      }
    },
  };
}

/**
 * A probe round every intervalMs until end(). The control connection carries one request at a time,
 * so a round starts only after the previous one answered, and end() waits for the one in flight.
 */
function periodicSync(ctl: ControlClient, hostMarker: string | undefined, intervalMs: number | undefined): { end(): Promise<void> } {
  if (!hostMarker || !intervalMs) return { end: async () => undefined };
  let ended = false;
  let inFlight: Promise<unknown> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const next = () => {
    if (ended) return;
    timer = setTimeout(() => {
      inFlight = ctl.request({ op: "sync", hostMarker }, 60_000).catch(() => undefined).finally(next);
    }, intervalMs);
  };
  next();
  return {
    async end() {
      ended = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}

export async function listGuests(virtDir: string): Promise<GuestReply[]> {
  const ctl = await connectControl(virtDir);
  try {
    const r = await ctl.request({ op: "list" }, 10_000);
    if (!r.ok) throw new VtraceError(r.error);
    return r.guests;
  } finally {
    ctl.close();
  }
}
