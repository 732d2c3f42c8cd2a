// Guest TSC → host TSC, per guest vCPU and over time (issue #7 groundwork). Pure.
// KVM's model (arch/x86/kvm/x86.c): guest_tsc = ((host_tsc * ratio) >> frac_bits) + tsc_offset,
// so host_tsc = ((guest_tsc - tsc_offset) << frac_bits) / ratio. Without scaling ratio = 1 << frac.
// Sources: KVM debugfs (vcpuN/tsc-offset, tsc-scaling-ratio, tsc-scaling-ratio-frac-bits),
// kvm:kvm_write_tsc_offset events (vcpu_id, previous/next offset, stamped in host TSC), or a
// round-trip handshake (offset ± half the round trip).

import { FormatError } from "../errors.ts";

export interface TscSegment {
  /** Host TSC from which this offset is in force. */
  fromHostTsc: bigint;
  offset: bigint;
  ratio: bigint;
  fracBits: number;
}

/** One vCPU's mapping: offsets that change over time (kvm_write_tsc_offset). */
export class VcpuClock {
  readonly #segments: TscSegment[];

  constructor(segments: readonly TscSegment[]) {
    if (segments.length === 0) throw new FormatError("a vCPU clock needs at least one TSC offset");
    this.#segments = [...segments].sort((a, b) => (a.fromHostTsc < b.fromHostTsc ? -1 : a.fromHostTsc > b.fromHostTsc ? 1 : 0));
  }

  toHost(guestTsc: bigint): bigint {
    // The offset in force is the latest one whose start the converted time reaches.
    for (let i = this.#segments.length - 1; i > 0; i--) {
      const host = convert(guestTsc, this.#segments[i]!);
      if (host >= this.#segments[i]!.fromHostTsc) return host;
    }
    return convert(guestTsc, this.#segments[0]!);
  }
}

function convert(guestTsc: bigint, s: TscSegment): bigint {
  return ((guestTsc - s.offset) << BigInt(s.fracBits)) / s.ratio;
}

/** All vCPUs of one guest; a vCPU without its own mapping uses vCPU 0's. */
export class GuestClockMap {
  constructor(readonly vcpus: ReadonlyMap<number, VcpuClock>) {}

  toHost(vcpu: number, guestTsc: bigint): bigint {
    const clock = this.vcpus.get(vcpu) ?? this.vcpus.get(0) ?? this.vcpus.values().next().value;
    if (!clock) throw new FormatError("empty guest clock map");
    return clock.toHost(guestTsc);
  }
}

/** A constant offset for every vCPU (guest TSC = host TSC + offset). */
export function constantOffset(offset: bigint, vcpus = 1): GuestClockMap {
  const clock = new VcpuClock([{ fromHostTsc: 0n, offset, ratio: 1n, fracBits: 0 }]);
  return new GuestClockMap(new Map(Array.from({ length: vcpus }, (_, v) => [v, clock])));
}

export interface KvmDebugfsVcpu {
  vcpu: number;
  tscOffset: bigint;
  /** tsc-scaling-ratio; the default (1 << frac) means no scaling. */
  ratio: bigint;
  fracBits: number;
}

export function fromKvmDebugfs(vcpus: readonly KvmDebugfsVcpu[]): GuestClockMap {
  return new GuestClockMap(
    new Map(vcpus.map((v) => [v.vcpu, new VcpuClock([{ fromHostTsc: 0n, offset: v.tscOffset, ratio: v.ratio || 1n << BigInt(v.fracBits), fracBits: v.fracBits }])])),
  );
}

export interface TscOffsetEvent {
  /** Host TSC of the kvm_write_tsc_offset event. */
  hostTsc: bigint;
  vcpu: number;
  previous: bigint;
  next: bigint;
}

/** From kvm:kvm_write_tsc_offset events: each vCPU's offset changes at each event's host time. */
export function fromTscOffsetEvents(events: readonly TscOffsetEvent[]): GuestClockMap {
  const byVcpu = new Map<number, TscSegment[]>();
  for (const e of [...events].sort((a, b) => (a.hostTsc < b.hostTsc ? -1 : 1))) {
    let list = byVcpu.get(e.vcpu);
    if (!list) {
      byVcpu.set(e.vcpu, (list = [{ fromHostTsc: 0n, offset: e.previous, ratio: 1n, fracBits: 0 }]));
    }
    list.push({ fromHostTsc: e.hostTsc, offset: e.next, ratio: 1n, fracBits: 0 });
  }
  return new GuestClockMap(new Map([...byVcpu].map(([v, segs]) => [v, new VcpuClock(segs)])));
}

export interface HandshakeSample {
  /** Host TSC when the host sent its probe, and when the reply came back. */
  hostSent: bigint;
  hostReceived: bigint;
  /** Guest TSC when the probe arrived (the agent's arrival stamp, else its probe marker). */
  guestTsc: bigint;
  /**
   * Guest TSC just before the reply left (the agent's probe marker); guestTsc when there is one
   * stamp only. The guest's own handling time between the two then counts in neither leg.
   */
  guestReplied?: bigint;
}

export interface HandshakeOffset {
  offset: bigint;
  /** The true offset is within ± this many cycles (half the round trip of the best sample). */
  errorBound: bigint;
}

/** Round-trip estimate: the sample with the shortest round trip, guest stamp taken as its midpoint. */
export function fromHandshake(samples: readonly HandshakeSample[]): HandshakeOffset {
  let best: HandshakeSample | undefined;
  for (const s of samples) {
    if (s.hostReceived < s.hostSent) continue;
    if (!best || s.hostReceived - s.hostSent < best.hostReceived - best.hostSent) best = s;
  }
  if (!best) throw new FormatError("no usable clock-sync sample");
  return sampleBounds(best);
}

/**
 * What one probe says of the offset (guest − host): the probe arrived after the host sent it, so
 * offset ≤ arrival − sent; the reply left before the host got it, so offset ≥ replied − received.
 * The estimate is the middle (NTP's), the bound half the round trip less the guest's handling time.
 */
export function sampleBounds(s: HandshakeSample): HandshakeOffset {
  const { lo, hi } = sampleRange(s);
  const width = hi >= lo ? hi - lo : lo - hi;
  return { offset: (lo + hi) / 2n, errorBound: (width + 1n) / 2n };
}

/** The offsets (guest − host) one probe allows: lo from its reply, hi from its arrival. */
export function sampleRange(s: HandshakeSample): { lo: bigint; hi: bigint } {
  return { lo: (s.guestReplied ?? s.guestTsc) - s.hostReceived, hi: s.guestTsc - s.hostSent };
}
