// The report's handle list (files in -i order, then their buffer instances) and the file-name prefix
// that trace-cmd 3.1.6 prints before lines, including its quirks: the prefix appears once there are
// several inputs or the last file opened had instances; the width grows as instance names are added.
// Source of truth: trace-cmd tracecmd/trace-read.c add_handle(), print_handle_file(), read_data_info().

import { machineRoles } from "../merge/machine-roles.ts";
import type { BufferData, TraceDat } from "../tracedat/reader/trace-dat.ts";
import type { FileContext } from "./catalog.ts";

export interface ReportInput {
  /** The path as given with -i. */
  path: string;
  dat: TraceDat;
  /** --ts-offset that applies to this file. */
  userOffsetNs: bigint;
  /** --ts2secs HZ that applies to this file. */
  ts2secsHz?: number;
  /** --nodate: ignore the file's DATE options. */
  noDate?: boolean;
}

export interface Handle {
  input: ReportInput;
  ctx: FileContext;
  buffer: BufferData;
  isInstance: boolean;
  /** The tag printed before lines; undefined prints blanks. */
  label?: string;
  /**
   * Tag mode, host file: the note ending a line whose task is a guest's vCPU thread (" (g1 vCPU 0)"),
   * by host thread id, from the GUEST options, so "(host) kvm_exit ... (g1 vCPU 0)" says whose exit.
   */
  vcpuNotes?: Map<number, Uint8Array>;
}

export interface PrefixState {
  multiInputs: boolean;
  maxFileSize: number;
  instances: number;
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * Machine tags for a host + guests set: the file whose GUEST options name the other files' trace
 * ids is "(host)", each guest file "(NAME)". Undefined when the inputs are not such a set: then the
 * file names tell the inputs apart, as trace-cmd prints them.
 */
export function machineTags(inputs: readonly ReportInput[]): string[] | undefined {
  if (inputs.length < 2) return undefined;
  const roles = machineRoles(inputs);
  if (roles.some((r) => r.kind === "file") || roles.filter((r) => r.kind === "host").length !== 1) return undefined;
  return roles.map((r) => (r.kind === "guest" ? `(${r.name})` : "(host)"));
}

export function initialHandles(inputs: ReportInput[], contexts: FileContext[], namePrefix: "tag" | "file" = "file"): { handles: Handle[]; state: PrefixState } {
  const multiInputs = inputs.length > 1;
  const tags = namePrefix === "tag" ? machineTags(inputs) : undefined;
  const handles = inputs.map((input, i): Handle => ({
    input,
    ctx: contexts[i]!,
    buffer: input.dat.buffers[0]!,
    isInstance: false,
    label: multiInputs ? (tags?.[i] ?? basename(input.path)) : undefined,
    vcpuNotes: tags?.[i] === "(host)" ? vcpuNotes(input.dat) : undefined,
  }));
  const maxFileSize = Math.max(0, ...handles.map((h) => h.label?.length ?? 0));
  return { handles, state: { multiInputs, maxFileSize, instances: 0 } };
}

/** " (NAME vCPU N)" by host thread id, for every vCPU the host file's GUEST options map to a thread. */
function vcpuNotes(dat: TraceDat): Map<number, Uint8Array> | undefined {
  const notes = new Map<number, Uint8Array>();
  for (const g of dat.options.guests) for (const [vcpu, tid] of g.hostTids) notes.set(tid, new TextEncoder().encode(` (${g.name} vCPU ${vcpu})`));
  return notes.size > 0 ? notes : undefined;
}

/** Appends the file's instance handles, as read_data_info() does after printing its cpus= line. */
export function addInstances(handles: Handle[], top: Handle, state: PrefixState): void {
  const instances = top.input.dat.buffers.slice(1);
  state.instances = instances.length;
  for (const buffer of instances) {
    const label = basename(buffer.name);
    state.maxFileSize = Math.max(state.maxFileSize, label.length);
    handles.push({ input: top.input, ctx: top.ctx, buffer, isInstance: true, label, vcpuNotes: top.vcpuNotes });
  }
}

export function handlePrefix(h: Handle, state: PrefixState): string {
  if (!state.multiInputs && state.instances === 0) return "";
  if (h.label) return `${h.label.padStart(state.maxFileSize)}: `;
  return `${"".padStart(state.maxFileSize)}  `;
}
