// Requests and replies on the virt-server's control socket (one JSON object per line). Pure.

import { ProtocolError } from "../errors.ts";

export type ControlRequest =
  | { op: "list" }
  | { op: "start"; output: string; traceId: string; hostMarker?: string; guests: { name: string; args: string[] }[] }
  | { op: "sync"; hostMarker: string }
  | { op: "stop" };

export interface GuestReply {
  name: string;
  ok: boolean;
  error?: string;
  file?: string;
  cpus?: number;
  traceId?: string;
  qemuPid?: number;
  busy?: boolean;
  tracingAfterMs?: number;
  sync?: ClockSync;
}

export type ControlReply = { ok: true; guests: GuestReply[] } | { ok: false; error: string };

export function controlRequestOf(line: string): ControlRequest {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new ProtocolError("control request is not JSON");
  }
  const r = v as Partial<Record<string, unknown>>;
  if (r.op === "list" || r.op === "stop") return { op: r.op };
  if (r.op === "sync" && typeof r.hostMarker === "string" && r.hostMarker.startsWith("/")) return { op: "sync", hostMarker: r.hostMarker };
  if (r.op === "start" && typeof r.output === "string" && r.output.startsWith("/") && typeof r.traceId === "string" && /^\d+$/.test(r.traceId) && Array.isArray(r.guests)) {
    const guests = r.guests.map((g) => {
      const x = g as { name?: unknown; args?: unknown };
      if (typeof x.name !== "string" || !Array.isArray(x.args) || !x.args.every((a) => typeof a === "string")) throw new ProtocolError("bad guest entry");
      return { name: x.name, args: x.args as string[] };
    });
    const hostMarker = typeof r.hostMarker === "string" && r.hostMarker.startsWith("/") ? r.hostMarker : undefined;
    return { op: "start", output: r.output, traceId: r.traceId, hostMarker, guests };
  }
  throw new ProtocolError(`unknown control request '${String(r.op)}'`);
}

/** How a guest file's clock was mapped to the host's: KVM's own offsets (events, debugfs), or the probes (offset ± bound). */
export interface ClockSync {
  offset: string;
  errorBound: string;
  samples: number;
  source: "kvm-events" | "kvm-debugfs" | "probes";
}

const KVM_SOURCES = { "kvm-events": "kvm_write_tsc_offset events", "kvm-debugfs": "KVM debugfs" } as const;

/** "clock offset X ± B cycles (N probes)", or "clock offset X cycles (KVM debugfs)". */
export function describeSync(s: ClockSync): string {
  if (s.source === "probes") return `clock offset ${s.offset} ± ${s.errorBound} cycles (${s.samples} probes)`;
  return `clock offset ${s.offset} cycles (${KVM_SOURCES[s.source]})`;
}
