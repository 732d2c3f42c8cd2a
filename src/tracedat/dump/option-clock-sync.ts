// Options about clocks across machines: TIME_SHIFT (a guest's offsets to its host), GUEST (a guest's
// CPUs on the host) and TSC2NSEC. Each reads only what its fields need, as trace-cmd does.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-dump.c dump_option_timeshift(), dump_option_guest(), dump_option_tsc2nsec().

import { dumpFailure, type DumpContext } from "./context.ts";
import { OPTIONS } from "./items.ts";
import { byteString } from "./printer.ts";
import { cHex32, cHex64, cInt, cLongLong, cULongLong } from "./printf.ts";

interface CpuSamples {
  times: bigint[];
  offsets: bigint[];
  scalings: bigint[];
  fracs: bigint[];
}

/** Reads `count` 8-byte samples while `budget.size` allows; false when it ran out first. */
function readSamples(ctx: DumpContext, count: number, budget: { size: number }, into: bigint[]): boolean {
  for (let i = 0; i < count; i++) {
    if (budget.size < 8) return false;
    into[i] = ctx.input.tryNumber(8) ?? 0n;
    budget.size -= 8;
  }
  return true;
}

export function dumpOptionTimeShift(ctx: DumpContext, size: number): void {
  const { input, out } = ctx;
  if (size < 12) {
    // trace-cmd prints this size with %s and crashes; without --options it just goes on.
    if (out.shows(OPTIONS)) throw dumpFailure(ctx, `broken time shift option, size ${cInt(size)}`);
    return;
  }
  out.print(OPTIONS, `\t\t[Option TimeShift, ${cInt(size)} bytes]\n`);
  const budget = { size: size - 16 };
  out.print(OPTIONS, `0x${cHex64(input.tryNumber(8) ?? 0n)} [peer's trace id]\n`);
  out.print(OPTIONS, `0x${cHex32(input.tryNumber(4) ?? 0n)} [peer's protocol flags]\n`);
  const cpus = Number(input.tryNumber(4) ?? 0n);
  out.print(OPTIONS, `0x${cHex32(cpus)} [peer's CPU count]\n`);
  const samples = readTimeShiftSamples(ctx, cpus, budget);
  if (!samples) {
    out.print(OPTIONS, "Broken time shift option\n");
    return;
  }
  for (const s of samples) {
    for (let i = 0; i < s.times.length; i++) {
      out.print(OPTIONS, `\t${cLongLong(s.offsets[i]!)} ${cLongLong(s.scalings[i]!)} ${cULongLong(s.fracs[i]!)} ${cULongLong(s.times[i]!)}[offset * scaling >> fraction @ time]\n`);
    }
  }
}

/** Per CPU: a count, then times, offsets, scalings; then, if bytes are left, every CPU's fractions. */
function readTimeShiftSamples(ctx: DumpContext, cpus: number, budget: { size: number }): CpuSamples[] | undefined {
  const all: CpuSamples[] = [];
  for (let j = 0; j < cpus; j++) {
    if (budget.size < 4) return undefined;
    const count = Number(ctx.input.tryNumber(4) ?? 0n);
    budget.size -= 4;
    ctx.out.print(OPTIONS, `${count} [samples count for CPU ${j}]\n`);
    const s: CpuSamples = { times: [], offsets: [], scalings: [], fracs: [] };
    all.push(s);
    if (!readSamples(ctx, count, budget, s.times) || !readSamples(ctx, count, budget, s.offsets) || !readSamples(ctx, count, budget, s.scalings)) return undefined;
    s.fracs = s.times.map(() => 0n);
  }
  if (budget.size > 0) for (const s of all) if (!readSamples(ctx, s.times.length, budget, s.fracs)) return undefined;
  return all;
}

export function dumpOptionGuest(ctx: DumpContext, size: number): void {
  const { input, out } = ctx;
  out.print(OPTIONS, `\t\t[Option GUEST, ${cInt(size)} bytes]\n`);
  const buf = size < 0 ? undefined : input.tryBytes(size);
  if (!buf) return;
  const nul = buf.indexOf(0);
  const nameEnd = nul < 0 ? buf.length : nul;
  out.print(OPTIONS, `${byteString(buf.subarray(0, nameEnd))} [Guest name]\n`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const le = input.littleEndian;
  let at = nameEnd + 1;
  if (buf.length - at < 8) return;
  out.print(OPTIONS, `0x${cHex64(dv.getBigUint64(at, le))} [trace id]\n`);
  at += 8;
  if (buf.length - at < 4) return;
  const cpus = dv.getInt32(at, le);
  at += 4;
  out.print(OPTIONS, `${cpus} [Guest CPUs]\n`);
  for (let i = 0; i < cpus && buf.length - at >= 8; i++, at += 8) {
    out.print(OPTIONS, `  ${dv.getInt32(at, le)} ${dv.getInt32(at + 4, le)} [guest cpu, host pid]\n`);
  }
}

export function dumpOptionTsc2nsec(ctx: DumpContext, size: number): void {
  const { input, out } = ctx;
  out.print(OPTIONS, `\n\t\t[Option TSC2NSEC, ${cInt(size)} bytes]\n`);
  const mult = input.i32("the tsc2nsec multiplier");
  const shift = input.i32("the tsc2nsec shift");
  const offset = input.u64("the tsc2nsec offset");
  out.print(OPTIONS, `${mult} ${shift} ${cULongLong(offset)} [multiplier, shift, offset]\n`);
}
