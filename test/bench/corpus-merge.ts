// The host + 2 guests merge set: two 2-vCPU TCG guests running `vtrace agent`, recorded with the host
// by one `vtrace record -A` (x86-tsc, clock-sync probes, TIME_SHIFT as in real use). Shared by the
// merge benchmark and the report benchmark corpus; kept in test/.cache/merge-set.

import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { startAgentGuests } from "../helpers/agent-guests.ts";
import { guestSupport } from "../helpers/guest.ts";
import { instanceName } from "../helpers/env.ts";

const REPO = join(import.meta.dir, "../..");
const VTRACE = join(REPO, "dist/vtrace");
export const MERGE_SET_DIR = join(REPO, "test/.cache/merge-set");
export const MERGE_SET_FILES = ["trace.dat", "trace-mg1.dat", "trace-mg2.dat"].map((f) => join(MERGE_SET_DIR, f));
const EVENTS = ["-e", "sched", "-e", "syscalls", "-e", "kmem", "-e", "irq"];

/** Why the set can be neither found nor recorded, or undefined. */
export function mergeSetUnavailable(): string | undefined {
  if (MERGE_SET_FILES.every(existsSync)) return undefined;
  return guestSupport();
}

/** The set's three files, recorded when missing (or when `fresh`). */
export async function mergeSet(fresh = false): Promise<string[]> {
  if (fresh || !MERGE_SET_FILES.every(existsSync)) await recordSet();
  return MERGE_SET_FILES;
}

async function recordSet(): Promise<void> {
  rmSync(MERGE_SET_DIR, { recursive: true, force: true });
  mkdirSync(MERGE_SET_DIR, { recursive: true });
  const dir = `/tmp/vtrace-merge-bench-${process.pid}`;
  mkdirSync(dir, { recursive: true });
  const set = await startAgentGuests({ dir, outDir: MERGE_SET_DIR, guests: [{ name: "mg1" }, { name: "mg2" }] });
  try {
    const rec = Bun.spawnSync(
      [VTRACE, "record", "-B", instanceName("merge-bench"), ...EVENTS, "-A", "mg1", ...EVENTS, "-A", "mg2", ...EVENTS, "-o", MERGE_SET_FILES[0]!, "--virt-dir", set.virtDir, "--", "sh", "-c", "ls -R /usr >/dev/null; sleep 1"],
      { stderr: "pipe" },
    );
    process.stdout.write(rec.stderr.toString().split("\n").filter((l) => /clock offset|wrote/.test(l)).join("\n") + "\n");
    if (rec.exitCode !== 0) throw new Error(`record failed: ${rec.stderr.toString()}`);
  } finally {
    await set[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
  }
}
