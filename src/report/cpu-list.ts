// --cpu lists as trace-cmd report accepts them: "1", "0,2", "1-3", "0:2" (":" works like ",").
// Source of truth: trace-cmd tracecmd/trace-read.c parse_cpulist().

import { UsageError } from "../errors.ts";

export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.split(/[,:]/)) {
    const m = /^\s*(\d+)(?:-\s*(\d+))?$/.exec(part);
    if (!m) throw new UsageError(`invalid cpu list '${text}': expected numbers and ranges like 0,2-3`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (a > b) throw new UsageError(`invalid cpu range '${part.trim()}': range of cpu numbers must be lower to greater`);
    for (let c = a; c <= b && c < 1 << 16; c++) cpus.push(c);
  }
  return cpus;
}
