// What the machine offers to tests: tracefs, trace-cmd, the built binary; and temp folders.
// A test that needs something missing is skipped with a printed reason.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dir, "../..");
export const TRACEFS = "/sys/kernel/tracing";
export const BUN = process.execPath;

export function hasTracefs(): boolean {
  return process.getuid?.() === 0 && existsSync(`${TRACEFS}/trace_clock`);
}

export function hasTraceCmd(): boolean {
  return Bun.which("trace-cmd") !== null;
}

/** Returns why a test cannot run here, or undefined when it can. */
export function missing(needs: { tracefs?: boolean; traceCmd?: boolean; binary?: boolean }): string | undefined {
  if (needs.tracefs && !hasTracefs()) return "tracefs not mounted or not root";
  if (needs.traceCmd && !hasTraceCmd()) return "trace-cmd not installed (apt-get install trace-cmd)";
  if (needs.binary && !existsSync(VTRACE_BIN)) return "dist/vtrace not built (npm run build)";
  return undefined;
}

export function skipBecause(reason: string | undefined, what: string): boolean {
  if (reason) console.warn(`skip ${what}: ${reason}`);
  return reason !== undefined;
}

export const VTRACE_BIN = join(REPO, "dist/vtrace");

/** Command line that runs vtrace from source (always current). */
export const VTRACE_SRC = [BUN, join(REPO, "src/cli.ts")];

export function tempDir(prefix: string): { path: string; [Symbol.dispose](): void } {
  const path = mkdtempSync(join(tmpdir(), `vtrace-${prefix}-`));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

let counter = 0;
/** A unique ftrace instance name for one test. */
export function instanceName(prefix: string): string {
  return `vtrace-t-${prefix}-${process.pid}-${counter++}`;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function run(argv: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const proc = Bun.spawn(argv, { cwd: opts.cwd, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}
