// The per-CPU lines `record` and `extract` end with: bytes, pages, events and events lost per CPU.

import { formatBytes } from "../recorder/progress.ts";
import type { RecordSummary } from "../recorder/local-session.ts";

export function formatSummary(s: Omit<RecordSummary, "restoreFailures">, command = "record"): string {
  const lines = s.cpus.map((c) => {
    const lost = c.stats.overrun + c.stats.droppedEvents;
    return `  cpu${c.cpu}: ${formatBytes(c.bytes)}, ${c.pages} pages, ${c.stats.readEvents} events, ${lost} lost`;
  });
  const why = s.signal ? ` (stopped by ${s.signal})` : s.exitCode !== null ? ` (command exited with ${s.exitCode})` : "";
  return `vtrace ${command}: wrote ${s.output}${why}\n${lines.join("\n")}\n`;
}
