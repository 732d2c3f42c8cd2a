// trace-cmd as the oracle: report, dump and convert, run on files the tests made.

import { run } from "./env.ts";

export async function traceCmd(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(["trace-cmd", ...args], { timeoutMs: 120_000 });
}

export interface FlyrecordEntry {
  offset: number;
  size: number;
}

/** `trace-cmd dump --flyrecord`: the per-CPU (offset, size) table of the top buffer. */
export async function dumpFlyrecord(file: string): Promise<FlyrecordEntry[]> {
  const r = await traceCmd(["dump", "--flyrecord", "-i", file]);
  const out: FlyrecordEntry[] = [];
  for (const m of r.stdout.matchAll(/^\s*(\d+)\s+(\d+)\s+\[offset, size of cpu \d+\]/gm)) {
    out.push({ offset: Number(m[1]), size: Number(m[2]) });
  }
  return out;
}

/** Event lines of `trace-cmd report` (without the cpus= header). */
export function eventLines(report: string): string[] {
  return report.split("\n").filter((l) => l.length > 0 && !l.startsWith("cpus="));
}
