// vcpu-stat's report for a person: per guest, where each vCPU's time went on the host, who took the
// CPU while a vCPU waited, which guest tasks lost time without knowing, the longest stalls, and kvm
// exits per guest task. Pure: numbers in, text out.

import type { Task } from "./vcpu-states.ts";
import type { ExitTimes, GuestStat, Stall, TaskTime, VcpuTimes } from "./vcpu-stat.ts";
import type { VcpuStatReport } from "./vcpu-stat-run.ts";

export interface TextOptions {
  /** Rows per list. */
  top: number;
}

export function formatVcpuStat(r: VcpuStatReport, o: TextOptions): string {
  const lines = [header(r)];
  for (const g of r.guests) lines.push("", ...guestLines(r, g, o));
  if (r.unnamedGuests.length > 0) lines.push("", `not shown (the host file names no vCPU thread of them): ${r.unnamedGuests.join(", ")}`);
  if (!r.kvmEvents) lines.push("", "no kvm_exit events in the host file: time in the hypervisor counts as running (record the host with -e kvm to split it)");
  return `${lines.join("\n")}\n`;
}

function header(r: VcpuStatReport): string {
  const guests = r.guests.map((g) => (r.guestPaths.has(g.name) ? `${g.name} (${r.guestPaths.get(g.name)})` : `${g.name} (no guest file: guest tasks unknown)`));
  const span = r.startNs === undefined || r.endNs === undefined ? "no host records" : `${duration(r.endNs - r.startNs, r.unit)} recorded, ${timestamp(r.startNs, r.unit)} to ${timestamp(r.endNs, r.unit)}`;
  return `host ${r.hostPath}, guests ${guests.join(", ")}: ${span}`;
}

function guestLines(r: VcpuStatReport, g: GuestStat, o: TextOptions): string[] {
  const u = r.unit;
  const out = [`guest ${g.name}: where each vCPU's time went on the host`];
  const hyper = r.kvmEvents ? ["hypervisor"] : [];
  out.push(...table([["vCPU", "host tid", "running", "preempted", "halted", ...hyper, "unknown"], ...g.vcpus.map((v) => vcpuRow(v, u, r.kvmEvents))], "  "));
  out.push(`  host tasks holding the CPU a vCPU waited for:`);
  out.push(...listOrNone(g.preemptors.slice(0, o.top).map((t) => `    ${duration(t.ns, u).padStart(14)}  ${taskName(t)}`)));
  out.push(`  guest tasks on a vCPU while it waited (time they believe they ran):`);
  out.push(...listOrNone(g.tasks.slice(0, o.top).map((t) => `    ${duration(t.ns, u).padStart(14)}  ${taskName(t)}`)));
  out.push(`  longest stalls:`);
  out.push(...listOrNone(table([["start", "duration", "vCPU", "guest task", "main host preemptor"], ...g.stalls.slice(0, o.top).map((s) => stallRow(s, u))], "    ")));
  if (r.kvmEvents) {
    out.push(`  kvm exits by guest task:`);
    out.push(...listOrNone(table([["guest task", "exit reason", "count", "in hypervisor"], ...g.exits.slice(0, o.top).map((e) => exitRow(e, u))], "    ")));
  }
  return out;
}

function vcpuRow(v: VcpuTimes, u: string, kvm: boolean): string[] {
  const total = Object.values(v.ns).reduce((a, b) => a + b, 0n);
  const cell = (ns: bigint) => `${duration(ns, u)} ${percent(ns, total)}`;
  return [String(v.vcpu), String(v.hostTid), cell(v.ns.running), cell(v.ns.preempted), cell(v.ns.halted), ...(kvm ? [cell(v.ns.hypervisor)] : []), cell(v.ns.unknown)];
}

function stallRow(s: Stall, u: string): string[] {
  const preemptor = s.preemptor ? `${taskName(s.preemptor)} (${duration(s.preemptor.ns, u)})` : "unknown";
  return [timestamp(s.startNs, u), duration(s.durationNs, u), String(s.vcpu), s.guestTask ? taskName(s.guestTask) : "unknown", preemptor];
}

function exitRow(e: ExitTimes, u: string): string[] {
  return [e.task ? taskName(e.task) : "unknown", e.reason, String(e.count), duration(e.ns, u)];
}

function listOrNone(rows: string[]): string[] {
  return rows.length > 0 ? rows : ["    (none)"];
}

/** Columns two spaces apart; numeric columns right-aligned, so that their digits line up. */
function table(rows: string[][], indent: string): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const numeric = rows[0]!.map((_, c) => rows.length > 1 && rows.slice(1).every((r) => /^\d/.test(r[c]!)));
  const cell = (text: string, c: number) => (numeric[c] ? text.padStart(widths[c]!) : text.padEnd(widths[c]!));
  return rows.map((r) => `${indent}${r.map(cell).join("  ")}`.trimEnd());
}

export function taskName(t: Task | TaskTime): string {
  return t.pid < 0 ? t.comm : `${t.comm}-${t.pid}`;
}

/** ms with µs, as a person compares stalls; clock ticks as they are. */
export function duration(ns: bigint, unit: string): string {
  if (unit !== "ns") return `${ns} ticks`;
  const us = (ns + 500n) / 1000n;
  return `${us / 1000n}.${(us % 1000n).toString().padStart(3, "0")} ms`;
}

/** A point on the merged timeline as the text report prints it (seconds with µs). */
export function timestamp(ns: bigint, unit: string): string {
  if (unit !== "ns") return String(ns);
  const us = ns / 1000n;
  return `${us / 1_000_000n}.${(us % 1_000_000n).toString().padStart(6, "0")}`;
}

function percent(part: bigint, total: bigint): string {
  const tenths = total === 0n ? 0 : Number((part * 1000n + total / 2n) / total);
  return `${(tenths / 10).toFixed(1)}%`.padStart(6);
}
