// `record`'s options that cac cannot check alone: -f pairs with the -e before it (order matters),
// the task filters -F / -P / -c, --file-version with --compression, and seconds. Pure but for /proc.

import { existsSync } from "node:fs";
import { UsageError } from "../errors.ts";
import type { EventFilter, TaskFilter } from "../recorder/tracing-run.ts";
import { COMPRESSION_NAMES, type CompressionName } from "../tracedat/compressors.ts";
import { intOption, listOption, singleOption } from "./options.ts";

/**
 * -f FILTER pairs with the -e before it, as in trace-cmd record (cac keeps no order across options,
 * so this reads the command line). The host's: a -f after -A GUEST goes to that guest's agent.
 */
export function eventFilters(argv: readonly string[]): EventFilter[] {
  const out: EventFilter[] = [];
  let spec: string | undefined;
  for (let i = 0; i < argv.length && argv[i] !== "--" && argv[i] !== "-A" && argv[i] !== "--agent"; i++) {
    const a = argv[i]!;
    if (a === "-e" || a === "--event") spec = argv[i + 1];
    else if (a.startsWith("--event=")) spec = a.slice("--event=".length);
    if (a !== "-f") continue;
    const filter = argv[++i];
    if (filter === undefined) throw new UsageError("-f needs a filter, e.g. -e sched_switch -f 'prev_pid != 0'");
    if (spec === undefined) throw new UsageError(`-f '${filter}' must follow the -e EVENT it filters`);
    out.push({ spec, filter });
  }
  return out;
}

/** -F, -P PID and -c as trace-cmd record takes them; undefined when none is given. */
export function taskFilter(o: Record<string, unknown>, hasCommand: boolean): TaskFilter | undefined {
  const pids = listOption(o.pid).map((p) => {
    const pid = intOption(p, "-P", 1, 2 ** 22);
    if (!existsSync(`/proc/${pid}`)) throw new UsageError(`-P ${pid}: no such process`);
    return pid;
  });
  const command = o.F === true;
  if (command && !hasCommand) throw new UsageError("-F traces the command: give one after --, e.g. vtrace record -e sched -F -- ls");
  if (o.c === true && !command && pids.length === 0) throw new UsageError("-c follows the children of -F or -P tasks: give one of them");
  return command || pids.length > 0 ? { pids, command, children: o.c === true } : undefined;
}

/** --file-version and --compression: 6 unless 7 is asked for or a compression is named. */
export function fileFormat(version: unknown, compression: unknown): { fileVersion: 6 | 7; compression?: CompressionName } {
  const name = singleOption(compression, "--compression");
  if (name !== undefined && !(COMPRESSION_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown --compression '${name}': expected ${COMPRESSION_NAMES.join(", ")}`);
  }
  const fileVersion = version === undefined ? (name === undefined ? 6 : 7) : intOption(version, "--file-version", 6, 7);
  if (fileVersion === 6 && name !== undefined) throw new UsageError("--compression needs --file-version 7 (version 6 files are not compressed)");
  return { fileVersion: fileVersion as 6 | 7, compression: name as CompressionName | undefined };
}

/** A positive number of seconds (fractions allowed). */
export function secondsOption(v: unknown, name: string): number {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`invalid ${name} '${String(v)}': expected a positive number of seconds`);
  return n;
}

/** -M: a hex CPU mask as tracing_cpumask takes it ("3", "f0", "ff,ffffffff"), selecting some CPU. */
export function cpumaskOption(v: unknown, cpus: number): string | undefined {
  const mask = singleOption(v, "-M");
  if (mask === undefined) return undefined;
  const hex = mask.replace(/^0x/i, "");
  if (!/^[0-9a-f]+(,[0-9a-f]+)*$/i.test(hex)) throw new UsageError(`invalid -M '${mask}': expected a hex CPU mask such as 1 or f`);
  const bits = BigInt(`0x${hex.replaceAll(",", "")}`);
  if ((bits & ((1n << BigInt(cpus)) - 1n)) === 0n) throw new UsageError(`-M ${mask} selects none of this machine's CPUs (${cpus})`);
  return hex;
}
