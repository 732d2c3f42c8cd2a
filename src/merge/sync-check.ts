// `vtrace sync-check`: how well a host + guests set is synchronised, measured from the files alone.
// (a) The clock-sync handshake, recomputed from the vtrace-sync markers: per round, the offsets all
//     its probes allow, as the guest file's TIME_SHIFT was built (time-shift-samples.ts).
// (b) Causal pairs on the merged timeline, with the timestamps `vtrace report` prints (each file's
//     TIME_SHIFT, TSC2NSEC and offsets, src/report/time.ts): things one side did because of the
//     other must come after them. A pair in the wrong order is a sync error larger than the slack.
// Pure: the files are read through their TraceDat byte sources.

import { UsageError } from "../errors.ts";
import { buildFileContext, type FileContext } from "../report/catalog.ts";
import { addInstances, initialHandles, type ReportInput } from "../report/handles.ts";
import { openStreams } from "../report/streams.ts";
import { parseClockName, printsInUsecs } from "../report/time.ts";
import type { TraceDat } from "../tracedat/reader/trace-dat.ts";
import type { HandshakeOffset } from "./clock-map.ts";
import { hostAndGuests } from "./machine-roles.ts";
import { pairSyncSamples, parseSyncMarker, guestProbeStamps, hostProbeStamps, syncMarkerText } from "./sync-markers.ts";
import { bestRound, roundOffsets, TRACECMD_TSYNC_FLAG_INTERPOLATE, type RoundOffset } from "./time-shift-samples.ts";

export interface SyncCheckInput {
  path: string;
  dat: TraceDat;
}

/** An event that takes part in a causal pair, on its file's own clock and on the merged timeline. */
export interface SyncEvent {
  kind: "marker" | "write" | "read";
  cpu: number;
  pid: number;
  tsRaw: bigint;
  time: bigint;
  /** Marker text ("vtrace-sync 7"). */
  text?: string;
}

export interface MachineEvents {
  name: string;
  path: string;
  events: SyncEvent[];
}

export interface GuestEvents extends MachineEvents {
  /** The guest file's TIME_SHIFT as stored: samples per vCPU (vCPU 0), interpolated or not. */
  timeShift?: { samples: number; interpolated: boolean; forThisHost: boolean };
}

export interface SyncSet {
  host: MachineEvents;
  guests: GuestEvents[];
  /** Unit of the host clock ("cycles" for x86-tsc) and of the merged timeline ("ns" after TSC2NSEC). */
  rawUnit: string;
  timeUnit: string;
  /** Host clock units → ns, when known (TSC2NSEC, or a clock that counts ns). */
  toNs?: (units: bigint) => bigint;
}

/** Decides the host and the guests, and reads the events that pairs are made of. */
export function readSyncSet(inputs: readonly SyncCheckInput[], opts: { guestOffset?: bigint } = {}): SyncSet {
  // Sync is checked between a host and a guest, so one file is not enough (as the command says for its -i).
  if (inputs.length < 2) throw new UsageError("give the host file and its guest files: -i trace.dat -i trace-GUEST.dat ...");
  const { host, guests } = hostAndGuests(inputs);
  const reportInputs: ReportInput[] = inputs.map((i, k) => ({ path: i.path, dat: i.dat, userOffsetNs: k === host ? 0n : (opts.guestOffset ?? 0n) }));
  const events = scanEvents(reportInputs);
  const hostDat = inputs[host]!.dat;
  const tsc = hostDat.options.tsc2nsec?.mult ? hostDat.options.tsc2nsec : undefined;
  const rawIsNs = !tsc && printsInUsecs(hostDat, false);
  const rawUnit = tsc || parseClockName(hostDat.clockText) === "x86-tsc" ? "cycles" : rawIsNs ? "ns" : "ticks";
  const hostTraceId = hostDat.options.traceId;
  return {
    host: { name: "host", path: inputs[host]!.path, events: events[host]! },
    guests: guests.map(({ index, name }) => {
      const shift = inputs[index]!.dat.options.timeShift;
      const timeShift = shift && {
        samples: shift.cpus[0]?.length ?? 0,
        interpolated: (shift.flags & TRACECMD_TSYNC_FLAG_INTERPOLATE) !== 0,
        forThisHost: shift.peerTraceId === hostTraceId,
      };
      return { name, path: inputs[index]!.path, events: events[index]!, timeShift };
    }),
    rawUnit,
    timeUnit: printsInUsecs(hostDat, false) ? "ns" : rawUnit,
    toNs: tsc ? (u) => (u * BigInt(tsc.mult)) >> BigInt(tsc.shift) : rawIsNs ? (u) => u : undefined,
  };
}

type EventKind = { kind: "marker"; bufOffset: number } | { kind: "write" } | { kind: "read"; retOffset: number; retSize: number };

function classify(ctx: FileContext, id: number): EventKind | undefined {
  const ev = ctx.event(id);
  const field = (name: string) => ev?.fields.find((f) => f.name === name);
  if (ev?.system === "ftrace" && ev.name === "print") {
    const buf = field("buf");
    return buf && { kind: "marker", bufOffset: buf.offset };
  }
  if (ev?.system === "syscalls" && ev.name === "sys_enter_write") return { kind: "write" };
  if (ev?.system === "syscalls" && ev.name === "sys_exit_read") {
    const ret = field("ret");
    return ret && (ret.size === 8 || ret.size === 4) ? { kind: "read", retOffset: ret.offset, retSize: ret.size } : undefined;
  }
  return undefined;
}

/** Every file's markers and syscall events, in all buffers, with report time; each list by raw time. */
function scanEvents(inputs: ReportInput[]): SyncEvent[][] {
  const contexts = inputs.map((i) => buildFileContext(i.dat));
  const { handles, state } = initialHandles(inputs, contexts, "file");
  for (const top of handles.slice()) addInstances(handles, top, state);
  const byInput = new Map(inputs.map((i) => [i, [] as SyncEvent[]]));
  for (const s of openStreams(handles, { rawTs: false })) {
    const kinds = new Map<number, EventKind | undefined>();
    const out = byInput.get(s.handle.input)!;
    const le = s.handle.input.dat.params.littleEndian;
    while (s.advance()) {
      const r = s.records;
      const id = r.commonType;
      if (!kinds.has(id)) kinds.set(id, classify(s.handle.ctx, id));
      const k = kinds.get(id);
      if (!k) continue;
      const event: SyncEvent = { kind: k.kind, cpu: s.cpu, pid: r.commonPid, tsRaw: r.tsRaw, time: s.toTime ? BigInt(s.toTime(r.tsRaw, s.cpu)) : r.tsRaw };
      if (k.kind === "marker") {
        const text = syncMarkerText(r.payload, k.bufOffset);
        if (text === undefined) continue;
        event.text = text;
      } else if (k.kind === "read") {
        const p = r.payload;
        if (p.length < k.retOffset + k.retSize) continue;
        const dv = new DataView(p.buffer, p.byteOffset + k.retOffset, k.retSize);
        const ret = k.retSize === 8 ? dv.getBigInt64(0, le) : BigInt(dv.getInt32(0, le));
        if (ret <= 0n) continue;
      }
      out.push(event);
    }
  }
  return inputs.map((i) => byInput.get(i)!.sort((a, b) => (a.tsRaw < b.tsRaw ? -1 : a.tsRaw > b.tsRaw ? 1 : 0)));
}

/** Two events where `after` happened because of `before`. */
export interface CausalPair {
  guest: string;
  probe: string;
  before: SyncEvent;
  beforeWhat: string;
  after: SyncEvent;
  afterWhat: string;
}

export interface PairCount {
  checked: number;
  outOfOrder: number;
  /** Smallest after − before on the merged timeline (negative when out of order). */
  minMargin?: bigint;
}

export interface GuestSyncResult {
  name: string;
  path: string;
  probes: number;
  rounds: RoundOffset[];
  best?: HandshakeOffset;
  timeShift?: GuestEvents["timeShift"];
  probePairs: PairCount;
  /** Port I/O pairs each way; undefined when the host trace lacks the syscall events they need. */
  portPairs?: { toGuest: PairCount; toHost: PairCount };
}

export interface SyncCheckResult {
  guests: GuestSyncResult[];
  checked: number;
  outOfOrder: number;
  /** The out-of-order pairs (all of them; the formatter shows a few). */
  wrong: CausalPair[];
}

export function checkSync(set: SyncSet): SyncCheckResult {
  const wrong: CausalPair[] = [];
  const guests = set.guests.map((g): GuestSyncResult => {
    const probes = probeEvents(set.host.events, g);
    const samples = pairSyncSamples(markers(set.host.events), markers(g.events), g.name);
    const probePairs = count(probes.flatMap((p) => [
      { guest: g.name, probe: p.seq, before: p.send, beforeWhat: `host vtrace-sync-send ${g.name} ${p.seq}`, after: p.guest, afterWhat: `guest arrival of probe ${p.seq}` },
      { guest: g.name, probe: p.seq, before: p.reply, beforeWhat: `guest vtrace-sync ${p.seq}`, after: p.recv, afterWhat: `host arrival of the reply to ${g.name} ${p.seq}` },
    ]), wrong);
    const ports = portPairs(set.host.events, g.name, probes);
    const rounds = roundOffsets(samples);
    return {
      name: g.name,
      path: g.path,
      probes: samples.length,
      rounds,
      best: bestRound(rounds),
      timeShift: g.timeShift,
      probePairs,
      portPairs: ports && { toGuest: count(ports.toGuest, wrong), toHost: count(ports.toHost, wrong) },
    };
  });
  const all = guests.flatMap((g) => [g.probePairs, ...(g.portPairs ? [g.portPairs.toGuest, g.portPairs.toHost] : [])]);
  return { guests, checked: sum(all.map((c) => c.checked)), outOfOrder: sum(all.map((c) => c.outOfOrder)), wrong };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const markers = (events: readonly SyncEvent[]) => events.filter((e) => e.kind === "marker").map((e) => ({ tsRaw: e.tsRaw, text: e.text! }));

function count(pairs: readonly CausalPair[], wrong: CausalPair[]): PairCount {
  let minMargin: bigint | undefined;
  let outOfOrder = 0;
  for (const p of pairs) {
    const margin = p.after.time - p.before.time;
    if (minMargin === undefined || margin < minMargin) minMargin = margin;
    if (margin <= 0n) {
      outOfOrder++;
      wrong.push(p);
    }
  }
  return { checked: pairs.length, outOfOrder, minMargin };
}

interface Probe {
  seq: string;
  send: SyncEvent;
  /** The probe's arrival in the guest (its wake stamp, else its marker). */
  guest: SyncEvent;
  /** The guest's probe marker, written just before the reply. */
  reply: SyncEvent;
  /** The reply's arrival on the host (the reactor's stamp, else recvMarker). */
  recv: SyncEvent;
  /** "vtrace-sync-recv": written by the task that read the reply, after its read. */
  recvMarker: SyncEvent;
}

/** Probes whose three markers are all present (the first of each, should one repeat). */
function probeEvents(host: readonly SyncEvent[], g: GuestEvents): Probe[] {
  const markerText = (ev: SyncEvent) => (ev.kind === "marker" ? ev.text : undefined);
  const hostStamps = hostProbeStamps(host, markerText, g.name);
  const probes: Probe[] = [];
  for (const [seq, e] of guestProbeStamps(g.events, markerText)) {
    const h = hostStamps.get(seq);
    if (h) probes.push({ seq, send: h.sent, guest: e.arrived, reply: e.replied, recv: h.received, recvMarker: h.recvMarker });
  }
  return probes;
}

/**
 * The probes cross the agent-ctl-path virtio port, and the host side of that I/O is in the host
 * trace when it records syscalls: the task that stamped "vtrace-sync-send N" writes the probe to
 * the port right after (its first sys_enter_write after the marker), and the task that stamps
 * "vtrace-sync-recv N" has just read the reply (its last sys_exit_read > 0 before the marker).
 * The agent's own syscalls are never traced (a recorder excludes itself), so the guest side is
 * its arrival stamp and its reply marker. The host → guest pair is tighter than the send marker's;
 * the guest → host pair is looser than the reactor's arrival stamp (the read comes after it), an
 * independent check all the same. Exact with one guest per host task; with several, a read may be
 * another guest's. Undefined when the host trace has no such syscall events.
 */
function portPairs(host: readonly SyncEvent[], guest: string, probes: readonly Probe[]): { toGuest: CausalPair[]; toHost: CausalPair[] } | undefined {
  const writes = host.filter((e) => e.kind === "write");
  const reads = host.filter((e) => e.kind === "read");
  if (writes.length === 0 && reads.length === 0) return undefined;
  const toGuest: CausalPair[] = [];
  const toHost: CausalPair[] = [];
  for (const p of probes) {
    const inProbe = (e: SyncEvent) => e.tsRaw > p.send.tsRaw && e.tsRaw < p.recvMarker.tsRaw;
    const write = writes.find((w) => w.pid === p.send.pid && inProbe(w));
    const read = reads.findLast((r) => r.pid === p.recvMarker.pid && inProbe(r) && (!write || r.tsRaw > write.tsRaw));
    const stamp = `guest vtrace-sync ${p.seq}`;
    if (write) toGuest.push({ guest, probe: p.seq, before: write, beforeWhat: `host write of probe ${p.seq} to the port`, after: p.guest, afterWhat: `guest arrival of probe ${p.seq}` });
    if (read) toHost.push({ guest, probe: p.seq, before: p.reply, beforeWhat: stamp, after: read, afterWhat: `host read of the reply to ${p.seq}` });
  }
  return { toGuest, toHost };
}
