// The report options that apply to one -i file by their place among the -i options (--ts-offset,
// --ts2secs), read from the raw arguments: cac would take "--ts-offset -5000" for flags.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-read.c trace_report() (OPT_tsoffset, OPT_ts2secs).

import { UsageError } from "../errors.ts";
import { isInputArg } from "./filter/args.ts";

/** Each `--NAME VALUE` (or `--NAME=VALUE`) of the raw arguments, with the index of the -i before it (-1: none). */
export function valuesByInput(rawArgs: readonly string[], name: string): { input: number; value: string }[] {
  const found: { input: number; value: string }[] = [];
  let input = -1;
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (isInputArg(arg)) input++;
    const value = arg === name ? rawArgs[i + 1] : arg.startsWith(`${name}=`) ? arg.slice(name.length + 1) : undefined;
    if (value !== undefined) found.push({ input, value });
  }
  return found;
}

/**
 * --ts-offset applies to the file named by the preceding -i. trace-cmd 3.1.6 ignores it for the first
 * file and refuses it before any -i.
 */
export function tsOffsetsByInput(rawArgs: string[], count: number): bigint[] {
  const offsets: bigint[] = Array.from({ length: count }, () => 0n);
  for (const { input, value } of valuesByInput(rawArgs, "--ts-offset")) {
    if (input < 0) throw new UsageError("--ts-offset must come after -i");
    if (!/^[+-]?\d+$/.test(value)) throw new UsageError(`invalid --ts-offset '${value}': expected an integer of ns`);
    if (input > 0 && input < count) offsets[input] = BigInt(value);
  }
  return offsets;
}

/**
 * --ts2secs HZ: trace-cmd 3.1.6 applies it to the last -i file once there are two or more -i, and
 * before that to every file that has none of its own.
 */
export function ts2secsByInput(rawArgs: string[], count: number): (number | undefined)[] {
  const own: (number | undefined)[] = Array.from({ length: count }, () => undefined);
  let all: number | undefined;
  for (const { input, value } of valuesByInput(rawArgs, "--ts2secs")) {
    if (!/^\d+$/.test(value) || BigInt(value) === 0n || BigInt(value) >= 1n << 63n) throw new UsageError(`invalid --ts2secs '${value}': expected a frequency in Hz`);
    if (input >= 1 && input < count) own[input] = Number(value);
    else all = Number(value);
  }
  return own.map((hz) => hz ?? all);
}
