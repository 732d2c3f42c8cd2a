// Where a recording's TSC → ns conversion (the TSC2NSEC option: mult, shift, offset) comes from.
// Sources, best first:
//   1. the perf_event mmap page (time_mult/time_shift), as trace-cmd 3.1.6 get_tsc_nsec() reads it;
//      the kernel fills it only when sched_clock is the TSC (not in most VMs: kvm-clock);
//   2. /sys/devices/system/cpu/cpu0/tsc_freq_khz (some kernels have it);
//   3. the kernel log (/dev/kmsg): arch/x86/kernel/tsc.c prints tsc_khz as "tsc: Refined TSC
//      clocksource calibration: X MHz", else "tsc: Detected X MHz TSC", else (tsc_khz == cpu_khz)
//      "tsc: Detected X MHz processor". The log is a ring: on a host that has been up a while
//      (or logs a lot at boot) these first lines are gone;
//   4. /proc/cpuinfo "cpu MHz", only where it is the TSC's rate: without the aperfmperf flag the
//      kernel prints cpu_khz rather than a sampled frequency, and with tsc_known_freq the TSC rate
//      came from CPUID or the hypervisor (kvmclock), which set cpu_khz to the same value.
// A kHz value becomes mult/shift as the kernel's cyc2ns does (clocks_calc_mult_shift(khz →
// NSEC_PER_MSEC, maxsec 0)).
// trace-cmd 3.1.6 keeps mult in a signed int (struct tsc2nsec) and computes mul_u64_u32_shr(),
// so mult must stay below 2^31 and shift at most 32; both tools then print the same numbers.

import { readFileSync } from "node:fs";
import os from "node:os";
import { closeFd, O_NONBLOCK, O_RDONLY, openFd, readFd } from "../../ffi/fd.ts";
import { perfTimeParams } from "../../ffi/perf.ts";
import { UsageError } from "../errors.ts";

export const TSC_CLOCK = "x86-tsc";
/** trace-cmd's pseudo clock name (TSCNSEC_CLOCK): record with x86-tsc, store TSC2NSEC. */
export const TSCNSEC_CLOCK = "tsc2nsec";

export interface TscConversion {
  /** ns = (cycles × mult) >> shift; offset is written as trace-cmd does (0, and not applied). */
  mult: number;
  shift: number;
  offset: bigint;
  /** Where the numbers came from, for messages: "perf", "sysfs tsc_freq_khz", "kernel log". */
  source: string;
  /** The frequency the conversion stands for, in kHz. */
  khz: number;
}

/** "off": keep cycles; "auto": convert when a source works; "require": fail when none does. */
export type TscMode = "off" | "auto" | "require";

export interface ClockPlan {
  /** The kernel trace clock to set (undefined: leave the instance's clock). */
  clock?: string;
  tsc: TscMode;
}

const MULT_LIMIT = 2 ** 31;
const MIN_KHZ = 1_000;
const MAX_KHZ = 100_000_000;

/** -C CLOCK and --tsc2nsec → the clock to set and whether to store TSC2NSEC. */
export function planClock(clock: string | undefined, tsc2nsecFlag: boolean): ClockPlan {
  if (clock === TSCNSEC_CLOCK) return { clock: TSC_CLOCK, tsc: "require" };
  if (tsc2nsecFlag) {
    if (clock !== undefined && clock !== TSC_CLOCK) throw new UsageError(`--tsc2nsec needs the ${TSC_CLOCK} clock, not '-C ${clock}'`);
    return { clock: TSC_CLOCK, tsc: "require" };
  }
  return { clock, tsc: clock === TSC_CLOCK ? "auto" : "off" };
}

/** Kernel cyc2ns mult/shift for a TSC of `khz` kHz, with mult < 2^31 (see the header). */
export function multShiftFromKhz(khz: number): { mult: number; shift: number } {
  if (!Number.isInteger(khz) || khz < MIN_KHZ || khz > MAX_KHZ) {
    throw new UsageError(`implausible TSC frequency ${khz} kHz: expected ${MIN_KHZ} to ${MAX_KHZ}`);
  }
  const from = BigInt(khz);
  for (let shift = 32; shift > 0; shift--) {
    const mult = ((1_000_000n << BigInt(shift)) + from / 2n) / from;
    if (mult < BigInt(MULT_LIMIT)) return { mult: Number(mult), shift };
  }
  throw new UsageError(`TSC frequency ${khz} kHz has no 32-bit multiplier`);
}

/** Halves mult (and shift) until trace-cmd's signed-int mult and `<< (32 - shift)` are safe. */
export function fitMultShift(mult: number, shift: number): { mult: number; shift: number } {
  let m = mult;
  let s = shift;
  while ((m >= MULT_LIMIT || s > 32) && s > 0) {
    m = Math.round(m / 2);
    s--;
  }
  return { mult: m, shift: s };
}

/** The kHz a mult/shift pair stands for: 10^6 × 2^shift / mult. */
export function khzOf(mult: number, shift: number): number {
  return (1e6 * 2 ** shift) / mult;
}

/** "2095.996" (MHz with three decimals, as the kernel prints kHz) → 2095996. */
function mhzTextToKhz(text: string): number {
  const [whole, frac = ""] = text.split(".");
  return Number(whole) * 1000 + Number(frac.padEnd(3, "0").slice(0, 3));
}

const KERNEL_LOG_PATTERNS: readonly RegExp[] = [
  /tsc: Refined TSC clocksource calibration: (\d+\.\d+) MHz/,
  /tsc: Detected (\d+\.\d+) MHz TSC/,
  /tsc: Detected (\d+\.\d+) MHz processor/,
];

/** tsc_khz from kernel log messages (the best line wins: refined, then TSC, then processor). */
export function parseKernelLogKhz(messages: readonly string[]): { khz: number; line: string } | undefined {
  for (const pattern of KERNEL_LOG_PATTERNS) {
    const line = messages.findLast((m) => pattern.test(m));
    if (line) return { khz: mhzTextToKhz(pattern.exec(line)![1]!), line };
  }
  return undefined;
}

/** /dev/kmsg records "prio,seq,usec,flags;text\n" (continuation lines dropped) → text. */
export function kmsgText(record: string): string {
  const semi = record.indexOf(";");
  const body = semi >= 0 ? record.slice(semi + 1) : record;
  const nl = body.indexOf("\n");
  return nl >= 0 ? body.slice(0, nl) : body;
}

/** Every record still in the kernel's log buffer that mentions the TSC. */
function readKernelLog(): string[] {
  const fd = openFd("/dev/kmsg", O_RDONLY | O_NONBLOCK);
  const out: string[] = [];
  const buf = new Uint8Array(8192);
  const dec = new TextDecoder();
  try {
    for (let records = 0; records < 1_000_000; records++) {
      let n: number | "again";
      try {
        n = readFd(fd, buf);
      } catch {
        continue; // EPIPE: the record was overwritten while we read; the next one follows
      }
      if (n === "again" || n === 0) break;
      const text = kmsgText(dec.decode(buf.subarray(0, n)));
      if (/tsc/i.test(text)) out.push(text);
    }
  } finally {
    closeFd(fd);
  }
  return out;
}

type Attempt = TscConversion | string;

function fromKhz(khz: number, source: string): Attempt {
  if (!Number.isInteger(khz) || khz < MIN_KHZ || khz > MAX_KHZ) return `${source}: implausible ${khz} kHz`;
  return { ...multShiftFromKhz(khz), offset: 0n, source, khz };
}

function fromPerf(): Attempt {
  const cpus = Math.max(1, os.cpus().length);
  let first: { mult: number; shift: number } | undefined;
  for (let cpu = 0; cpu < cpus; cpu++) {
    let p;
    try {
      p = perfTimeParams(cpu);
    } catch (e) {
      return `perf: ${(e as Error).message}`;
    }
    if (p.timeMult === 0) return "perf: no TSC conversion in the mmap page (cap_user_time 0: sched_clock is not the TSC)";
    if (first && (first.mult !== p.timeMult || first.shift !== p.timeShift)) {
      return `perf: CPU ${cpu} has mult/shift ${p.timeMult}/${p.timeShift}, CPU 0 ${first.mult}/${first.shift}`;
    }
    first = { mult: p.timeMult, shift: p.timeShift };
  }
  const fit = fitMultShift(first!.mult, first!.shift);
  return { ...fit, offset: 0n, source: "perf", khz: Math.round(khzOf(first!.mult, first!.shift)) };
}

function fromSysfs(): Attempt {
  const path = "/sys/devices/system/cpu/cpu0/tsc_freq_khz";
  let text: string;
  try {
    text = readFileSync(path, "utf8").trim();
  } catch {
    return `no ${path}`;
  }
  return fromKhz(Number(text), "sysfs tsc_freq_khz");
}

function fromKernelLog(): Attempt {
  let messages: string[];
  try {
    messages = readKernelLog();
  } catch (e) {
    return `kernel log: ${(e as Error).message}`;
  }
  const found = parseKernelLogKhz(messages);
  if (!found) return "no 'tsc: ... MHz' line left in the kernel log";
  return fromKhz(found.khz, "kernel log");
}

/**
 * The TSC's kHz from /proc/cpuinfo text, where "cpu MHz" is the TSC rate (see the header): every
 * CPU the same, the first CPU's flags with tsc_known_freq and without aperfmperf.
 */
export function parseCpuinfoKhz(cpuinfo: string): number | string {
  const flags = /^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.split(/\s+/) ?? [];
  if (flags.includes("aperfmperf")) return "/proc/cpuinfo: cpu MHz is a sampled frequency (aperfmperf)";
  if (!flags.includes("tsc_known_freq")) return "/proc/cpuinfo: no tsc_known_freq flag";
  const rates = new Set([...cpuinfo.matchAll(/^cpu MHz\s*:\s*(\d+(?:\.\d+)?)\s*$/gm)].map((m) => m[1]!));
  if (rates.size !== 1) return `/proc/cpuinfo: ${rates.size === 0 ? "no cpu MHz line" : "CPUs differ in cpu MHz"}`;
  return mhzTextToKhz([...rates][0]!);
}

function fromCpuinfo(): Attempt {
  let text: string;
  try {
    text = readFileSync("/proc/cpuinfo", "utf8");
  } catch (e) {
    return `/proc/cpuinfo: ${(e as Error).message}`;
  }
  const khz = parseCpuinfoKhz(text);
  return typeof khz === "string" ? khz : fromKhz(khz, "/proc/cpuinfo cpu MHz");
}

/** The TSC counts at a constant rate (else no single mult/shift describes it). */
function constantTsc(): boolean | undefined {
  try {
    const flags = /^flags\s*:(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1];
    return flags === undefined ? undefined : / constant_tsc( |$)/.test(flags);
  } catch {
    return undefined;
  }
}

export interface TscSearch {
  found?: TscConversion;
  /** Why each source before the one that worked (or all of them) did not. */
  tried: string[];
}

/** Tries perf, sysfs, the kernel log and /proc/cpuinfo, in that order. */
export function findTscConversion(): TscSearch {
  const tried: string[] = [];
  const perf = fromPerf();
  if (typeof perf !== "string") return { found: perf, tried };
  tried.push(perf);
  if (constantTsc() === false) return { tried: [...tried, "the CPU has no constant_tsc flag"] };
  for (const attempt of [fromSysfs, fromKernelLog, fromCpuinfo]) {
    const r = attempt();
    if (typeof r !== "string") return { found: r, tried };
    tried.push(r);
  }
  return { tried };
}

export interface TscResolution {
  conversion?: TscConversion;
  /** One line for stderr when cycles stay cycles. */
  note?: string;
}

/** The conversion a plan asks for; "require" without a source is a usage error (exit 2). */
export function resolveTsc(plan: ClockPlan, search: () => TscSearch = findTscConversion): TscResolution {
  if (plan.tsc === "off") return {};
  const r = search();
  if (r.found) return { conversion: r.found };
  const why = r.tried.join("; ");
  if (plan.tsc === "require") throw new UsageError(`cannot convert TSC to nanoseconds here: ${why}`);
  return { note: `TSC frequency unknown (${why}): timestamps stay in TSC cycles` };
}

/** A guest's arguments with the clock trace-cmd gives guests: x86-tsc unless -C says (tsc2nsec → x86-tsc). */
export function guestClockArgs(args: readonly string[], clock: string | undefined): string[] {
  if (clock === undefined) return [...args, "-C", TSC_CLOCK];
  return args.map((a, i) => (a === TSCNSEC_CLOCK && (args[i - 1] === "-C" || args[i - 1] === "--clock") ? TSC_CLOCK : a));
}
