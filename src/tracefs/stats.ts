// per_cpu/cpuN/stats: "entries: 12\noverrun: 0\n..." into numbers.

export interface CpuStats {
  entries: number;
  overrun: number;
  commitOverrun: number;
  bytes: number;
  droppedEvents: number;
  readEvents: number;
  /** The file's text as trace-cmd stores it in the CPUSTAT option. */
  text: string;
}

const KEYS: Record<string, keyof Omit<CpuStats, "text">> = {
  entries: "entries",
  overrun: "overrun",
  "commit overrun": "commitOverrun",
  bytes: "bytes",
  "dropped events": "droppedEvents",
  "read events": "readEvents",
};

export function parseCpuStats(text: string): CpuStats {
  const stats: CpuStats = { entries: 0, overrun: 0, commitOverrun: 0, bytes: 0, droppedEvents: 0, readEvents: 0, text };
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = KEYS[line.slice(0, colon).trim()];
    if (key) stats[key] = Number.parseInt(line.slice(colon + 1).trim(), 10) || 0;
  }
  return stats;
}
