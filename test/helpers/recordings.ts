// Two small vtrace recordings (sched, irq, timer under a file-system walk) in the top buffer: v6 with
// the local clock and v7 zstd with the mono clock, for e2e tests that diff vtrace against trace-cmd.

import { join } from "node:path";
import { instanceName, run, VTRACE_BIN } from "./env.ts";

/** A file-system walk with pauses (thousands of events); SMALL_LOAD gives a few hundred. */
const LOAD = ["sh", "-c", "ls -R /usr/lib >/dev/null; sleep 0.1; ls -R /usr/share >/dev/null; sleep 0.1"];
export const SMALL_LOAD = ["sh", "-c", "ls -R /usr/lib/x86_64-linux-gnu >/dev/null; sleep 0.05; ls -R /usr/lib/python3* >/dev/null 2>&1"];

export interface Recordings {
  v6: string;
  v7: string;
}

/** Records both files into `dir` (in private ftrace instances); throws with vtrace's stderr on failure. */
export async function recordPair(dir: string, load = LOAD): Promise<Recordings> {
  const files = { v6: join(dir, "local-v6.dat"), v7: join(dir, "mono-v7.dat") };
  await record(files.v6, ["-C", "local"], load);
  await record(files.v7, ["-C", "mono", "--file-version", "7", "--compression", "zstd"], load);
  return files;
}

async function record(out: string, args: string[], load: string[]): Promise<void> {
  const r = await run([VTRACE_BIN, "record", "-B", instanceName("pair"), "-e", "sched", "-e", "irq", "-e", "timer", "-o", out, ...args, "--", ...load]);
  if (r.code !== 0) throw new Error(`vtrace record failed: ${r.stderr}`);
}
