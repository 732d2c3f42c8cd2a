// Real trace.dat files recorded here, for oracle tests against trace-cmd 3.1.6.
// Recipe: a private ftrace instance, events enabled through its own files, its own
// trace_clock, load, then `trace-cmd extract -B`. Never touches the top-level instance or ftrace filters.
// Files are cached under test/.cache/corpus/<hash of the spec> so later runs reuse them.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const TRACEFS = "/sys/kernel/tracing";
const CACHE = join(import.meta.dir, "..", ".cache", "corpus");
const RECIPE_VERSION = 3;

export interface BufferSpec {
  /** Suffix of the instance name (vtrace-rep-<suffix>-<pid>). */
  name: string;
  /** "*:*" or event systems/events like "sched" or "sched/sched_switch". */
  events: string[];
  clock: "local" | "mono" | "x86-tsc" | "global" | "boot" | "counter";
  bufferKb?: number;
}

export interface CorpusSpec {
  buffers: BufferSpec[];
  /** Load passes (each spawns a few short processes and does some file I/O). */
  load: number;
}

export type Variant = "zstd" | "v6" | "none";

/** Why corpus tests cannot run here, or undefined when they can. */
export function corpusUnavailable(): string | undefined {
  if (!existsSync(`${TRACEFS}/instances`)) return `no tracefs at ${TRACEFS}`;
  if (!Bun.which("trace-cmd")) return "trace-cmd is not installed";
  if (process.getuid?.() !== 0) return "not root";
  return undefined;
}

/** Returns the path of the recorded file in the wanted variant, recording it on first use. */
export async function corpusFile(spec: CorpusSpec, variant: Variant = "zstd"): Promise<string> {
  const key = createHash("sha256").update(JSON.stringify({ RECIPE_VERSION, spec })).digest("hex").slice(0, 16);
  const dir = join(CACHE, key);
  const base = join(dir, "zstd.dat");
  if (!existsSync(base)) await record(spec, dir);
  const out = join(dir, `${variant}.dat`);
  if (!existsSync(out)) await convert(base, out, variant);
  return out;
}

async function record(spec: CorpusSpec, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `rec-${process.pid}.dat`);
  const names = spec.buffers.map((b) => `vtrace-rep-${b.name}-${process.pid}-${Math.floor(Math.random() * 1e6)}`);
  try {
    spec.buffers.forEach((b, i) => setupInstance(names[i]!, b));
    for (const n of names) writeFileSync(`${TRACEFS}/instances/${n}/tracing_on`, "1");
    await generateLoad(spec.load);
    for (const n of names) writeFileSync(`${TRACEFS}/instances/${n}/tracing_on`, "0");
    await run(["trace-cmd", "extract", ...names.flatMap((n) => ["-B", n]), "-o", tmp]);
    renameSync(tmp, join(dir, "zstd.dat"));
  } finally {
    for (const n of names) removeInstance(n);
    rmSync(tmp, { force: true });
  }
}

function setupInstance(name: string, b: BufferSpec): void {
  const root = `${TRACEFS}/instances/${name}`;
  mkdirSync(root);
  writeFileSync(`${root}/tracing_on`, "0");
  if (b.bufferKb) writeFileSync(`${root}/buffer_size_kb`, String(b.bufferKb));
  writeFileSync(`${root}/trace_clock`, b.clock);
  for (const e of b.events) {
    const path = e === "*:*" ? `${root}/events/enable` : `${root}/events/${e}/enable`;
    writeFileSync(path, "1");
  }
}

function removeInstance(name: string): void {
  const root = `${TRACEFS}/instances/${name}`;
  if (!existsSync(root)) return;
  try {
    writeFileSync(`${root}/tracing_on`, "0");
    writeFileSync(`${root}/events/enable`, "0");
  } catch {}
  for (let i = 0; i < 20; i++) {
    try {
      rmdirSync(root);
    } catch {}
    if (!existsSync(root)) return;
    Bun.sleepSync(50);
  }
}

async function generateLoad(passes: number): Promise<void> {
  for (let i = 0; i < passes; i++) {
    // The sleeps let the CPUs go idle, so the recording has idle (pid 0) switches to filter on even
    // when it was made while other work ran (a cache recorded beside a benchmark had none).
    await run(["sh", "-c", "ls -la /proc/self /usr/bin >/dev/null; sleep 0.02; cat /proc/cpuinfo /proc/meminfo >/dev/null; sleep 0.02; echo x | tee /dev/null >/dev/null"]);
    readFileSync("/proc/stat");
  }
}

async function convert(from: string, to: string, variant: Variant): Promise<void> {
  const args = variant === "v6" ? ["--file-version", "6"] : ["--file-version", "7", "--compression", variant];
  const tmp = `${to}.${process.pid}.tmp`;
  await run(["trace-cmd", "convert", "-i", from, "-o", tmp, ...args]);
  renameSync(tmp, to);
}

async function run(cmd: string[]): Promise<string> {
  const p = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} failed (${code}): ${err.slice(0, 500)}`);
  return out;
}

/** Runs trace-cmd report and returns stdout (stderr ignored, as the oracle's warnings go there). */
export async function traceCmdReport(args: string[]): Promise<string> {
  const p = Bun.spawn(["trace-cmd", "report", ...args], { stdout: "pipe", stderr: "ignore" });
  const [out] = await Promise.all([new Response(p.stdout).text(), p.exited]);
  return out;
}

/** The first differing line between two texts, or undefined when they are identical. */
export function firstDifference(expected: string, actual: string): string | undefined {
  if (expected === actual) return undefined;
  const a = expected.split("\n");
  const b = actual.split("\n");
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      return `line ${i + 1} of ${a.length} (vtrace has ${b.length}):\n  trace-cmd: ${JSON.stringify(a[i])}\n  vtrace:    ${JSON.stringify(b[i])}`;
    }
  }
  return "texts differ";
}

/** Lines cut after the event name column: isolates the layout from the event info text. */
export function layoutOnly(text: string): string {
  return text
    .split("\n")
    .map((l) => {
      const m = /^(.*?\]\s*\d+(?:\.\d+)?: (\S+): )/.exec(l);
      return m ? l.slice(0, m[0].length + Math.max(0, 20 - m[2]!.length)) : l;
    })
    .join("\n");
}
