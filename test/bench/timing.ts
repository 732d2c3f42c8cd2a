// Shared by the report and merge benchmarks: one timed run of a command (wall, CPU, peak RSS from
// /usr/bin/time), and vtrace with its event text stubbed out, the floor under any formatting work.

import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");

/** The recorded *:* corpus file the report and convert benchmarks use (~277k events). */
export const BENCH_SPEC = { buffers: [{ name: "bench", events: ["*:*"], clock: "local" as const, bufferKb: 65536 }], load: 5 };

export interface Run {
  /** Wall-clock seconds. */
  seconds: number;
  /** User + system CPU seconds: steadier than wall time on a shared machine. */
  cpuSeconds: number;
  peakRssMb: number;
}

/** One run, output to /dev/null (or to `outFile`, for comparing texts). */
export async function timed(cmd: string[], opts: { env?: Record<string, string | undefined>; outFile?: string } = {}): Promise<Run> {
  const useTime = existsSync("/usr/bin/time");
  const full = useTime ? ["/usr/bin/time", "-f", "%U %S %M", ...cmd] : cmd;
  const t0 = performance.now();
  const p = Bun.spawn(full, { stdout: opts.outFile ? Bun.file(opts.outFile) : "ignore", stderr: "pipe", env: opts.env ?? process.env });
  const [err] = await Promise.all([new Response(p.stderr).text(), p.exited]);
  const seconds = (performance.now() - t0) / 1000;
  const [user, sys, kb] = (err.trim().split("\n").at(-1) ?? "").split(" ").map(Number);
  if (useTime) return { seconds, cpuSeconds: user! + sys!, peakRssMb: kb! / 1024 };
  const usage = p.resourceUsage();
  const cpu = usage ? Number(usage.cpuTime.user + usage.cpuTime.system) / 1e6 : seconds;
  return { seconds, cpuSeconds: cpu, peakRssMb: (usage?.maxRSS ?? 0) / 1024 };
}

/** The best of `runs` runs by `key`. */
export async function bestOf(runs: number, cmd: string[], key: "seconds" | "cpuSeconds", env?: Record<string, string | undefined>): Promise<Run> {
  const all: Run[] = [];
  for (let i = 0; i < runs; i++) all.push(await timed(cmd, { env }));
  return all.reduce((a, b) => (a[key] <= b[key] ? a : b));
}

/** The heap limit `vtrace report` runs itself again with (src/small-heap.ts); the stubbed run gets it directly. */
export const SMALL_HEAP_ENV = { ...process.env, BUN_JSC_forceRAMSize: String(64 << 20) };

/**
 * vtrace with the event info text stubbed out: the cost of report's other layers alone (reader,
 * merge, line layout, output) apart from src/events. Whatever the formatting costs comes on top.
 */
export function layersOnlyCommand(): string[] {
  const dir = mkdtempSync(join(tmpdir(), "vtrace-bench-"));
  const script = join(dir, "stub-info-fixture.ts");
  writeFileSync(
    script,
    `import { EventCatalog } from ${JSON.stringify(join(ROOT, "src", "events", "index.ts"))};
(EventCatalog.prototype as any).formatInfo = () => "info";
(EventCatalog.prototype as any).writeRecord = (out: any) => out.write("info");
process.argv.splice(1, 1);
await import(${JSON.stringify(join(ROOT, "src", "cli.ts"))});
`,
  );
  return [process.execPath, script, "fixture"];
}
