// Clock-sync probes → TIME_SHIFT samples: probes come in rounds (start, every --sync-interval, end),
// each round gives one sample (what all its probes allow), and trace-cmd interpolates between them.
// Source of truth: trace-cmd 3.1.6 trace-input.c tsync_cpu_offsets_load() (per CPU: count, then
// the times, the offsets, the scalings; then per CPU the fractions) and timestamp_correction_calc()
// (TRACECMD_TSYNC_FLAG_INTERPOLATE; outside the samples it extrapolates from the first or last pair).
// Pure.

import type { TsyncPoint } from "../tracedat/options-encode.ts";
import { fromHandshake, sampleRange, type HandshakeOffset, type HandshakeSample, type KvmDebugfsVcpu, type TscOffsetEvent } from "./clock-map.ts";

export const TRACECMD_TSYNC_FLAG_INTERPOLATE = 1;

/** Probes of one round run back to back; a pause longer than this many round trips starts a new round. */
const ROUND_GAP_RTTS = 8n;
/** Guest times of the samples that hold the first and last offsets flat beyond the measured range. */
const EDGE_FIRST = 0n;
const EDGE_LAST = (1n << 63n) - 1n;
/** trace-cmd multiplies (ts - time) by the offset change in a signed 64-bit integer; stay well below. */
const PRODUCT_LIMIT = 1n << 60n;

const rtt = (s: HandshakeSample) => s.hostReceived - s.hostSent;

/** Splits usable probes (in host-send order) into rounds. */
export function probeRounds(samples: readonly HandshakeSample[]): HandshakeSample[][] {
  const sorted = samples.filter((s) => s.hostReceived >= s.hostSent).sort((a, b) => (a.hostSent < b.hostSent ? -1 : a.hostSent > b.hostSent ? 1 : 0));
  const rounds: HandshakeSample[][] = [];
  let prev: HandshakeSample | undefined;
  for (const s of sorted) {
    const longer = prev && (rtt(prev) > rtt(s) ? rtt(prev) : rtt(s));
    if (!prev || s.hostSent - prev.hostReceived > ROUND_GAP_RTTS * (longer! + 1n)) rounds.push([]);
    rounds.at(-1)!.push(s);
    prev = s;
  }
  return rounds;
}

export interface RoundOffset extends HandshakeOffset {
  /** Guest clock in the middle of the round's stamps. */
  guestTs: bigint;
  probes: number;
}

/**
 * One offset per round. Each probe bounds guest − host to (G − R, G − S); with one offset over the
 * round's few milliseconds, the truth lies in all of them, so the round's estimate is the middle of
 * their intersection, ± half its width: never worse than the best probe alone (fromHandshake()),
 * and every probe of the round is in order by construction. Should noise make the intersection
 * empty, the best probe alone decides.
 */
export function roundOffsets(samples: readonly HandshakeSample[]): RoundOffset[] {
  return probeRounds(samples).map((round) => {
    let { lo, hi } = sampleRange(round[0]!);
    let first = round[0]!.guestTsc;
    let last = first;
    for (const s of round) {
      const r = sampleRange(s);
      if (r.lo > lo) lo = r.lo;
      if (r.hi < hi) hi = r.hi;
      if (s.guestTsc < first) first = s.guestTsc;
      if (s.guestTsc > last) last = s.guestTsc;
    }
    const est = lo <= hi ? { offset: (lo + hi) / 2n, errorBound: (hi - lo + 1n) / 2n } : fromHandshake(round);
    return { ...est, guestTs: (first + last) / 2n, probes: round.length };
  });
}

/** The round with the smallest error bound. */
export function bestRound(rounds: readonly RoundOffset[]): RoundOffset | undefined {
  return rounds.reduce<RoundOffset | undefined>((b, r) => (!b || r.errorBound < b.errorBound ? r : b), undefined);
}

/**
 * TIME_SHIFT points for the rounds: one round keeps trace-cmd's plain constant offset; several are
 * interpolated, held flat before the first and after the last (no extrapolation of probe noise),
 * with extra points on the same line where trace-cmd's 64-bit product could overflow.
 */
export function timeShiftPoints(rounds: readonly RoundOffset[]): { flags: number; points: TsyncPoint[] } {
  const measured = [...rounds].sort((a, b) => (a.guestTs < b.guestTs ? -1 : 1)).map((r) => ({ time: r.guestTs, offset: -r.offset }));
  const unique = measured.filter((p, i) => i === 0 || p.time !== measured[i - 1]!.time);
  if (unique.length <= 1) return { flags: 0, points: unique };
  const points: TsyncPoint[] = [{ time: EDGE_FIRST, offset: unique[0]!.offset }];
  for (let i = 0; i < unique.length; i++) {
    const p = unique[i]!;
    const prev = points.at(-1)!;
    const dt = p.time - prev.time;
    const doff = p.offset > prev.offset ? p.offset - prev.offset : prev.offset - p.offset;
    const pieces = splitsFor(dt * doff);
    for (let k = 1n; k < pieces; k++) points.push({ time: prev.time + (dt * k) / pieces, offset: prev.offset + ((p.offset - prev.offset) * k) / pieces });
    if (p.time > prev.time) points.push(p);
  }
  points.push({ time: EDGE_LAST, offset: unique.at(-1)!.offset });
  return { flags: TRACECMD_TSYNC_FLAG_INTERPOLATE, points };
}

/** The smallest k with (product / k²) below the limit. */
function splitsFor(product: bigint): bigint {
  let k = 1n;
  while (product / (k * k) >= PRODUCT_LIMIT) k *= 2n;
  return k;
}

/**
 * TIME_SHIFT points per guest CPU from KVM's own offsets (guest TSC = host TSC + offset, so each CPU
 * adds -offset); a CPU KVM does not list takes vCPU 0's. Undefined when a vCPU's TSC is scaled: the
 * TIME_SHIFT formula ((ts × scaling) >> frac, in 64 bits) cannot hold KVM's inverse ratio for TSC
 * values this large, so scaled guests keep the handshake.
 */
export function kvmShiftPoints(vcpus: readonly KvmDebugfsVcpu[], cpus: number): TsyncPoint[][] | undefined {
  if (vcpus.length === 0 || vcpus.some((v) => v.ratio !== 1n << BigInt(v.fracBits))) return undefined;
  const byVcpu = new Map(vcpus.map((v) => [v.vcpu, v.tscOffset]));
  const first = vcpus[0]!.tscOffset;
  return Array.from({ length: cpus }, (_, cpu) => [{ time: 0n, offset: -(byVcpu.get(cpu) ?? first) }]);
}

/**
 * TIME_SHIFT points per guest CPU from kvm:kvm_write_tsc_offset events (host TSC of each change, the
 * vCPU, its previous and next offset): the offset in force steps at each change, which flags 0 (no
 * interpolation) gives. A point's time is guest time, so a change at host TSC T counts from T + next;
 * a last point at the end of time holds the last offset. (A change that moves the guest TSC back makes
 * guest times ambiguous: from its guest time on, the later offset wins.)
 * CPUs without events of their own take vCPU 0's steps; undefined when there are no events at all.
 */
export function tscOffsetShiftPoints(events: readonly TscOffsetEvent[], cpus: number): TsyncPoint[][] | undefined {
  const byVcpu = new Map<number, TsyncPoint[]>();
  for (const e of [...events].sort((a, b) => (a.hostTsc < b.hostTsc ? -1 : a.hostTsc > b.hostTsc ? 1 : 0))) {
    let points = byVcpu.get(e.vcpu);
    if (!points) byVcpu.set(e.vcpu, (points = [{ time: 0n, offset: -e.previous }]));
    const time = e.hostTsc + e.next;
    if (time > points.at(-1)!.time) points.push({ time, offset: -e.next });
    else points[points.length - 1] = { time: points.at(-1)!.time, offset: -e.next };
  }
  // trace-cmd takes the lower point of the last pair past the last time: hold the last offset to the end.
  for (const points of byVcpu.values()) points.push({ time: EDGE_LAST, offset: points.at(-1)!.offset });
  const fallback = byVcpu.get(0) ?? byVcpu.values().next().value;
  if (!fallback) return undefined;
  return Array.from({ length: cpus }, (_, cpu) => byVcpu.get(cpu) ?? fallback);
}
