// `attach`: makes a host file and a guest file recorded apart (the guest by `record --virt`, by hand,
// or on another machine) one host + guest set: the host file gets a GUEST option (name, the guest's
// trace id, vCPU → host thread), the guest file a TIME_SHIFT to host time, from the host trace's
// kvm_write_tsc_offset events of those threads or from a TSC offset the user read (KVM debugfs).
// Both files are rewritten in place; `report -i HOST -i GUEST` then merges them, as trace-cmd does.

import { UsageError, VtraceError } from "../errors.ts";
import { convertInPlace } from "../convert/convert-file.ts";
import { openInputFile } from "../io/file-source.ts";
import { selectedClock, TRACECMD_OPTION_GUEST, TRACECMD_OPTION_TIME_SHIFT, type TraceOption } from "../tracedat/model.ts";
import { decodeGuestOption } from "../tracedat/reader/options.ts";
import { openTraceDat } from "../tracedat/reader/open.ts";
import { inFile } from "../tracedat/reader/error-context.ts";
import type { TraceDat } from "../tracedat/reader/trace-dat.ts";
import { guestOption, timeShiftOption, timeShiftOptionPerCpu } from "../tracedat/options-encode.ts";
import { Cursor } from "../lib/cursor.ts";
import { readTscOffsetEvents } from "../virt/kvm-events.ts";
import { tscOffsetShiftPoints } from "./time-shift-samples.ts";

export interface AttachOptions {
  host: string;
  guest: string;
  /** The guest's name in the set (report tags its lines "(NAME)"). */
  name: string;
  /** Host thread of each vCPU, vCPU 0 first. */
  vcpuTids: readonly number[];
  /** guest TSC − host TSC, when known (KVM debugfs tsc-offset); else from kvm_write_tsc_offset events. */
  tscOffset?: bigint;
}

export interface AttachResult {
  source: "given offset" | "kvm_write_tsc_offset events";
  /** vCPU 0's offset (guest TSC − host TSC) last in force. */
  tscOffset: bigint;
  events: number;
}

const TSC_CLOCKS = new Set(["x86-tsc", "tsc2nsec"]);

export function attachGuest(opts: AttachOptions): AttachResult {
  const p = plan(opts);
  convertInPlace(opts.host, { editOptions: (o) => [...o.filter((x) => !isGuestNamed(x, opts.name, p.hostLittleEndian)), p.guest] });
  convertInPlace(opts.guest, { editOptions: (o) => [...o.filter((x) => x.id !== TRACECMD_OPTION_TIME_SHIFT), p.timeShift] });
  return p.result;
}

interface AttachPlan {
  guest: TraceOption;
  timeShift: TraceOption;
  hostLittleEndian: boolean;
  result: AttachResult;
}

/** The two new options, from both files read (and closed again before they are rewritten). */
function plan(opts: AttachOptions): AttachPlan {
  using hostSource = openInputFile(opts.host);
  using guestSource = openInputFile(opts.guest);
  const host = inFile(opts.host, () => openTraceDat(hostSource));
  const guest = inFile(opts.guest, () => openTraceDat(guestSource));
  const hostId = traceIdOf(host, opts.host);
  const guestId = traceIdOf(guest, opts.guest);
  for (const [dat, path] of [[host, opts.host], [guest, opts.guest]] as const) {
    const clock = selectedClock(dat.clockText ?? dat.options.traceClock);
    if (!TSC_CLOCKS.has(clock)) throw new UsageError(`${path} is recorded with the '${clock}' clock: attach maps TSC to TSC (record both with -C x86-tsc)`);
  }
  const le = guest.params.littleEndian;
  const hostTids = new Map(opts.vcpuTids.map((tid, vcpu) => [vcpu, tid]));
  const shift = inFile(opts.host, () => timeShift(opts, { ...host, options: { ...host.options, guests: [{ name: opts.name, traceId: guestId, hostTids }] } }, hostId, guest.cpuCount, le));
  const guestOpt = guestOption(opts.name, guestId, opts.vcpuTids.map((pid, vcpu) => ({ vcpu, pid })), host.params.littleEndian);
  return { guest: guestOpt, timeShift: shift.option, hostLittleEndian: host.params.littleEndian, result: shift.result };
}

function traceIdOf(dat: TraceDat, path: string): bigint {
  if (dat.options.traceId === undefined) throw new VtraceError(`${path} has no TRACEID option (record it with vtrace or trace-cmd 3.x)`, { file: path });
  return dat.options.traceId;
}

/** The given offset as one TIME_SHIFT sample, or KVM's offset writes as stepped per-vCPU samples. */
function timeShift(opts: AttachOptions, host: TraceDat, hostId: bigint, cpus: number, le: boolean): { option: TraceOption; result: AttachResult } {
  if (opts.tscOffset !== undefined) {
    const option = timeShiftOption(hostId, cpus, 0, [{ time: 0n, offset: -opts.tscOffset }], le);
    return { option, result: { source: "given offset", tscOffset: opts.tscOffset, events: 0 } };
  }
  const events = readTscOffsetEvents(host, opts.name);
  const perCpu = tscOffsetShiftPoints(events, cpus);
  if (!perCpu) {
    throw new UsageError(`no kvm:kvm_write_tsc_offset events of threads ${opts.vcpuTids.join(",")}: record the host with -e kvm, or give the guest's TSC offset with --offset`);
  }
  const option = timeShiftOptionPerCpu(hostId, 0, perCpu, le);
  return { option, result: { source: "kvm_write_tsc_offset events", tscOffset: -perCpu[0]!.at(-1)!.offset, events: events.length } };
}

/** A GUEST option naming this guest already (attaching again replaces it). */
function isGuestNamed(o: TraceOption, name: string, littleEndian: boolean): boolean {
  return o.id === TRACECMD_OPTION_GUEST && decodeGuestOption(new Cursor(o.data, littleEndian, 0)).name === name;
}
