// TSC2NSEC: the option's bytes, mult/shift from a TSC frequency, and the clock plan of
// `record -C x86-tsc | tsc2nsec | --tsc2nsec` (src/recorder/tsc-clock.ts).

import { describe, expect, test } from "bun:test";
import { UsageError } from "../../../src/errors.ts";
import {
  fitMultShift,
  guestClockArgs,
  khzOf,
  kmsgText,
  multShiftFromKhz,
  parseCpuinfoKhz,
  parseKernelLogKhz,
  planClock,
  resolveTsc,
} from "../../../src/recorder/tsc-clock.ts";
import { makeToTime } from "../../../src/report/time.ts";
import { TRACECMD_OPTION_TSC2NSEC } from "../../../src/tracedat/model.ts";
import { recordingOptions, tsc2nsecOption } from "../../../src/tracedat/options-encode.ts";
import { applyOption, emptyOptions } from "../../../src/tracedat/reader/options.ts";
import type { TraceDat } from "../../../src/tracedat/reader/trace-dat.ts";
import { hex } from "../../helpers/hex.ts";

const U64 = (1n << 64n) - 1n;

/**
 * trace-cmd 3.1.6 trace-input.c: struct tsc2nsec { int mult; int shift; ... } and
 * mul_u64_u32_shr(ts, (unsigned long long)mult, shift), modelled with 64-bit wrap-around.
 */
function traceCmdTscToNs(ts: bigint, mult: number, shift: number): bigint {
  const mul = BigInt.asUintN(64, BigInt(mult | 0)); // int → unsigned long long sign-extends
  const al = ts & 0xffffffffn;
  const ah = ts >> 32n;
  let ret = ((al * mul) & U64) >> BigInt(shift);
  if (ah) ret = (ret + (((ah * mul) & U64) << BigInt(32 - shift))) & U64;
  return ret;
}

function vtraceToNs(ts: bigint, mult: number, shift: number): bigint {
  const options = { ...emptyOptions(), tsc2nsec: { mult, shift, offset: 0n } };
  const toTime = makeToTime({ clockText: "[tsc2nsec]", options } as TraceDat, { rawTs: false, userOffsetNs: 0n, isInstance: false });
  return toTime!(ts, 0);
}

describe("tsc2nsecOption()", () => {
  test("tsc2nsecOption() encodes u32 mult, u32 shift, u64 offset in the file's byte order", () => {
    expect(tsc2nsecOption(2049129529, 32, 0n, true)).toEqual({
      id: TRACECMD_OPTION_TSC2NSEC,
      data: hex(`39 3c 23 7a   # mult 2049129529 = 0x7a233c39
                 20 00 00 00   # shift 32
                 00 00 00 00 00 00 00 00   # offset 0`),
    });
    expect(tsc2nsecOption(0x01020304, 5, 0x1122334455667788n, false).data).toEqual(hex("01 02 03 04  00 00 00 05  11 22 33 44 55 66 77 88"));
    expect(TRACECMD_OPTION_TSC2NSEC).toBe(14);
  });

  test("tsc2nsecOption() decodes back through the reader's option table", () => {
    for (const le of [true, false]) {
      const o = emptyOptions();
      const opt = tsc2nsecOption(1_431_655_765, 31, 7n, le);
      applyOption(o, opt.id, opt.data, { littleEndian: le, version: 6, offset: 100 });
      expect(o.tsc2nsec).toEqual({ mult: 1_431_655_765, shift: 31, offset: 7n });
    }
  });

  test("recordingOptions() puts extra options (GUEST, TSC2NSEC) between CPUSTAT and CPUCOUNT, as trace-cmd", () => {
    const ids = recordingOptions(
      { clockFileText: "[x86-tsc]\n", uname: "u", version: "v", traceId: 1n, cpuStats: ["a"], cpuCount: 1, extra: [tsc2nsecOption(3, 1, 0n, true)] },
      true,
    ).map((o) => o.id);
    expect(ids).toEqual([4, 5, 9, 11, 2, 14, 8]);
  });
});

describe("multShiftFromKhz()", () => {
  const FREQS_KHZ = [1_000, 32_768, 999_999, 1_000_000, 1_799_999, 2_000_000, 2_095_996, 2_400_000, 2_999_999, 3_700_123, 5_000_000, 10_000_000, 99_999_999];

  test.each(FREQS_KHZ)("multShiftFromKhz(%i) round-trips the frequency within 1 ppm", (khz) => {
    const { mult, shift } = multShiftFromKhz(khz);
    expect(Math.abs(khzOf(mult, shift) - khz) / khz).toBeLessThan(1e-6);
    // One second of cycles is 10^9 ns within 1 ppm.
    const ns = Number(vtraceToNs(BigInt(khz) * 1000n, mult, shift));
    expect(Math.abs(ns - 1e9)).toBeLessThan(1e3);
  });

  test.each(FREQS_KHZ)("multShiftFromKhz(%i) keeps mult < 2^31 and shift <= 32, so trace-cmd and vtrace agree", (khz) => {
    const { mult, shift } = multShiftFromKhz(khz);
    expect(mult).toBeLessThan(2 ** 31);
    expect(mult).toBeGreaterThan(0);
    expect(shift).toBeLessThanOrEqual(32);
    // 20 days of TSC at this rate, and the top of the 64-bit range, in both tools' arithmetic.
    for (const ts of [0n, 1n, 123_456_789n, BigInt(khz) * 1000n * 86_400n * 20n, (1n << 63n) + 12345n]) {
      expect(vtraceToNs(ts, mult, shift)).toBe(traceCmdTscToNs(ts, mult, shift));
    }
  });

  test("multShiftFromKhz() matches the kernel's cyc2ns for a 2095.996 MHz TSC (clocks_calc_mult_shift)", () => {
    // 10^6 × 2^32 / 2095996 = 2049129529.4…
    expect(multShiftFromKhz(2_095_996)).toEqual({ mult: 2049129529, shift: 32 });
  });

  test("a mult of 2^31 or more is why the pair is fitted: trace-cmd's signed int would print garbage", () => {
    const ts = 1_252_097_000_889_945n;
    const mult = 3_000_000_000; // a 1.43 GHz TSC at shift 32, as the kernel would publish it
    expect(traceCmdTscToNs(ts, mult, 32)).not.toBe(vtraceToNs(ts, mult, 32));
    const fit = fitMultShift(mult, 32);
    expect(fit.mult).toBeLessThan(2 ** 31);
    expect(Math.abs(khzOf(fit.mult, fit.shift) - khzOf(mult, 32)) / khzOf(mult, 32)).toBeLessThan(1e-6);
    expect(traceCmdTscToNs(ts, fit.mult, fit.shift)).toBe(vtraceToNs(ts, fit.mult, fit.shift));
  });

  test("multShiftFromKhz() refuses implausible frequencies with a UsageError", () => {
    for (const khz of [0, -5, 999, 2.5, Number.NaN, 1e9]) expect(() => multShiftFromKhz(khz)).toThrow(UsageError);
  });
});

describe("kernel log", () => {
  test("kmsgText() takes the text of a /dev/kmsg record", () => {
    expect(kmsgText("6,28,267,-;tsc: Detected 2095.996 MHz processor\n SUBSYSTEM=cpu\n")).toBe("tsc: Detected 2095.996 MHz processor");
  });

  test("parseKernelLogKhz() prefers the refined calibration, then 'MHz TSC', then 'MHz processor'", () => {
    const detected = "tsc: Detected 2095.996 MHz processor";
    const tsc = "tsc: Detected 2400.000 MHz TSC";
    const refined = "tsc: Refined TSC clocksource calibration: 2399.987 MHz";
    expect(parseKernelLogKhz([detected])?.khz).toBe(2_095_996);
    expect(parseKernelLogKhz([detected, tsc])?.khz).toBe(2_400_000);
    expect(parseKernelLogKhz([refined, detected, tsc])?.khz).toBe(2_399_987);
    expect(parseKernelLogKhz(["tsc: Marking TSC unstable due to boot parameter", "clocksource: Switched to clocksource kvm-clock"])).toBeUndefined();
  });
});

describe("/proc/cpuinfo", () => {
  const cpu = (n: number, mhz: string, flags: string) => `processor\t: ${n}\ncpu MHz\t\t: ${mhz}\nflags\t\t: fpu tsc ${flags} constant_tsc\nbogomips\t: 5192.28\n\n`;

  test("parseCpuinfoKhz() reads cpu MHz as the TSC rate where the kernel printed cpu_khz and knew the TSC rate", () => {
    expect(parseCpuinfoKhz(cpu(0, "2596.144", "tsc_known_freq hypervisor") + cpu(1, "2596.144", "tsc_known_freq hypervisor"))).toBe(2_596_144);
    expect(parseCpuinfoKhz(cpu(0, "2400", "tsc_known_freq"))).toBe(2_400_000);
  });

  test("parseCpuinfoKhz() refuses a sampled frequency, a guessed TSC rate, CPUs that differ and no line", () => {
    expect(parseCpuinfoKhz(cpu(0, "2596.144", "tsc_known_freq aperfmperf"))).toContain("aperfmperf");
    expect(parseCpuinfoKhz(cpu(0, "2596.144", "hypervisor"))).toContain("no tsc_known_freq");
    expect(parseCpuinfoKhz(cpu(0, "2596.144", "tsc_known_freq") + cpu(1, "2596.145", "tsc_known_freq"))).toContain("CPUs differ");
    expect(parseCpuinfoKhz("processor\t: 0\nflags\t\t: tsc_known_freq\n")).toContain("no cpu MHz line");
  });
});

describe("planClock()", () => {
  test.each([
    [undefined, false, { clock: undefined, tsc: "off" }],
    ["mono", false, { clock: "mono", tsc: "off" }],
    ["x86-tsc", false, { clock: "x86-tsc", tsc: "auto" }],
    ["tsc2nsec", false, { clock: "x86-tsc", tsc: "require" }],
    [undefined, true, { clock: "x86-tsc", tsc: "require" }],
    ["x86-tsc", true, { clock: "x86-tsc", tsc: "require" }],
  ] as const)("planClock(%p, %p) → %o", (clock, flag, plan) => {
    expect(planClock(clock, flag)).toEqual(plan);
  });

  test("planClock() refuses --tsc2nsec with another clock", () => {
    expect(() => planClock("local", true)).toThrow("--tsc2nsec needs the x86-tsc clock, not '-C local'");
  });

  test("resolveTsc() converts when a source works, notes cycles for x86-tsc, fails for tsc2nsec", () => {
    const none = () => ({ tried: ["perf: no", "no sysfs"] });
    const found = { mult: 3, shift: 1, offset: 0n, source: "kernel log", khz: 2_000_000 };
    expect(resolveTsc({ clock: "x86-tsc", tsc: "auto" }, () => ({ found, tried: [] }))).toEqual({ conversion: found });
    expect(resolveTsc({ clock: "x86-tsc", tsc: "auto" }, none)).toEqual({ note: "TSC frequency unknown (perf: no; no sysfs): timestamps stay in TSC cycles" });
    expect(() => resolveTsc({ clock: "x86-tsc", tsc: "require" }, none)).toThrow(UsageError);
    expect(resolveTsc({ clock: "mono", tsc: "off" }, () => expect.unreachable())).toEqual({});
  });

  test("guestClockArgs() gives guests x86-tsc unless they chose, and maps tsc2nsec to x86-tsc", () => {
    expect(guestClockArgs(["-e", "sched"], undefined)).toEqual(["-e", "sched", "-C", "x86-tsc"]);
    expect(guestClockArgs(["-e", "sched", "-C", "tsc2nsec"], "tsc2nsec")).toEqual(["-e", "sched", "-C", "x86-tsc"]);
    expect(guestClockArgs(["-C", "mono", "-e", "tsc2nsec"], "mono")).toEqual(["-C", "mono", "-e", "tsc2nsec"]);
  });
});
