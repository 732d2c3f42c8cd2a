import { describe, expect, test } from "bun:test";
import { constantOffset, fromHandshake, fromKvmDebugfs, fromTscOffsetEvents, sampleBounds, VcpuClock } from "../../../src/merge/clock-map.ts";

describe("GuestClockMap", () => {
  test("constantOffset() subtracts the offset on every vCPU", () => {
    const m = constantOffset(1_000_000n, 2);
    expect([m.toHost(0, 5_000_000n), m.toHost(1, 5_000_000n)]).toEqual([4_000_000n, 4_000_000n]);
  });

  test("fromTscOffsetEvents() uses the offset in force when the event happened", () => {
    // vCPU 0: offset 100 until host TSC 10_000, then 5_000.
    const m = fromTscOffsetEvents([{ hostTsc: 10_000n, vcpu: 0, previous: 100n, next: 5_000n }]);
    expect(m.toHost(0, 9_100n)).toBe(9_000n); // before the change: 9_100 - 100
    expect(m.toHost(0, 15_000n + 5_000n)).toBe(15_000n); // after it: 20_000 - 5_000
    // A guest time whose new-offset mapping falls before the change belongs to the old offset.
    expect(m.toHost(0, 10_050n)).toBe(9_950n);
  });

  test("fromKvmDebugfs() undoes TSC scaling with frac bits (Intel: 48)", () => {
    const frac = 48;
    const ratio = (3n << BigInt(frac)) / 2n; // guest TSC runs 1.5x the host's
    const m = fromKvmDebugfs([{ vcpu: 0, tscOffset: 1000n, ratio, fracBits: frac }]);
    const host = 2_000_000n;
    const guest = ((host * ratio) >> BigInt(frac)) + 1000n;
    expect(m.toHost(0, guest)).toBe(host);
  });

  test("several vCPUs keep their own offsets; unknown vCPUs fall back to vCPU 0", () => {
    const m = fromKvmDebugfs([
      { vcpu: 0, tscOffset: 10n, ratio: 1n << 32n, fracBits: 32 },
      { vcpu: 1, tscOffset: 20n, ratio: 1n << 32n, fracBits: 32 },
    ]);
    expect([m.toHost(0, 100n), m.toHost(1, 100n), m.toHost(7, 100n)]).toEqual([90n, 80n, 90n]);
  });

  test("VcpuClock needs at least one segment", () => {
    expect(() => new VcpuClock([])).toThrow("at least one");
  });
});

describe("fromHandshake()", () => {
  test("takes the shortest round trip and bounds the error by half of it", () => {
    const r = fromHandshake([
      { hostSent: 1000n, hostReceived: 1400n, guestTsc: 51_150n },
      { hostSent: 2000n, hostReceived: 2100n, guestTsc: 52_060n }, // best: rtt 100, mid 2050
      { hostSent: 3000n, hostReceived: 2900n, guestTsc: 0n }, // impossible, ignored
    ]);
    expect(r).toEqual({ offset: 50_010n, errorBound: 50n });
  });

  test("refuses when no sample is usable", () => {
    expect(() => fromHandshake([])).toThrow("no usable clock-sync sample");
  });
});

describe("sampleBounds()", () => {
  test("the guest's handling time between arrival and reply counts in neither leg (NTP's estimate)", () => {
    // host sends at 1000, receives at 1100; guest (offset +5000) gets it at 6030, replies at 6080:
    // offset ≤ 6030 - 1000 = 5030, offset ≥ 6080 - 1100 = 4980 → 5005 ± 25, not ± 50.
    expect(sampleBounds({ hostSent: 1000n, hostReceived: 1100n, guestTsc: 6030n, guestReplied: 6080n })).toEqual({ offset: 5005n, errorBound: 25n });
    // One stamp only: the old midpoint rule, ± half the round trip.
    expect(sampleBounds({ hostSent: 1000n, hostReceived: 1100n, guestTsc: 6080n })).toEqual({ offset: 5030n, errorBound: 50n });
  });
});
