// `vtrace sync-check`: files opened at the edge, src/merge/sync-check.ts measures, text out.
// Exit 0: every causal pair in order; 1: some out of order (or nothing to check); 2: usage.

import type { CAC } from "cac";
import { UsageError, VtraceError } from "../errors.ts";
import { openFileSource, type FileSource } from "../io/file-source.ts";
import { checkSync, readSyncSet, type SyncCheckInput } from "../merge/sync-check.ts";
import { formatSyncCheck } from "../merge/sync-check-text.ts";
import { addContext } from "../tracedat/reader/error-context.ts";
import { openTraceDat } from "../tracedat/reader/open.ts";
import { listOption } from "./options.ts";

const KNOWN_OPTIONS = new Set(["--", "i", "input", "guestOffset", "guest-offset", "h", "help", "v", "version"]);

export function registerSyncCheck(cli: CAC): void {
  cli
    .command("sync-check", "Measure how well a host + guests recording is clock-synchronised (exit 1 if events are out of causal order)")
    .option("-i, --input <file>", "The host's trace.dat and its guest files (repeat)", { type: [String] })
    .option("--guest-offset [n]", "Add N to every guest timestamp first, in the merged timeline's unit (a what-if: how much error the sync tolerates)")
    .example("vtrace sync-check -i trace.dat -i trace-g1.dat")
    // cac would read "--guest-offset -5000" as flags -5 -0 …; the value comes from the raw argv.
    .allowUnknownOptions()
    .action((flags: Record<string, unknown>) => {
      const guestOffset = guestOffsetOf(cli.rawArgs);
      for (const key of Object.keys(flags)) {
        if (KNOWN_OPTIONS.has(key) || (/^\d$/.test(key) && guestOffset !== undefined && guestOffset < 0n)) continue;
        throw new UsageError(`unknown option '${key.length === 1 ? "-" : "--"}${key}': see 'vtrace sync-check --help'`);
      }
      const paths = listOption(flags.input);
      if (paths.length < 2) throw new UsageError("give the host file and its guest files: -i trace.dat -i trace-GUEST.dat ...");
      runSyncCheck(paths, guestOffset);
    });
}

function runSyncCheck(paths: string[], guestOffset: bigint | undefined): void {
  const sources: FileSource[] = [];
  try {
    const inputs = paths.map((path): SyncCheckInput => {
      const source = openInput(path);
      sources.push(source);
      return { path, dat: inFile(path, () => openTraceDat(source)) };
    });
    const set = readSyncSet(inputs, { guestOffset });
    const result = checkSync(set);
    process.stdout.write(formatSyncCheck(set, result));
    if (result.checked === 0) throw new VtraceError("no causal pairs to check: no complete clock-sync probe in these files");
    if (result.outOfOrder > 0) throw new VtraceError(`${result.outOfOrder} of ${result.checked} pairs out of order on the merged timeline`);
  } finally {
    for (const s of sources) s[Symbol.dispose]();
  }
}

function guestOffsetOf(rawArgs: readonly string[]): bigint | undefined {
  let value: string | undefined;
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    if (a === "--guest-offset") value = rawArgs[i + 1] ?? "";
    else if (a.startsWith("--guest-offset=")) value = a.slice("--guest-offset=".length);
  }
  if (value === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(value)) throw new UsageError(`invalid --guest-offset '${value}': expected an integer`);
  return BigInt(value);
}

function openInput(path: string): FileSource {
  try {
    return openFileSource(path);
  } catch (e) {
    throw new UsageError(`cannot open '${path}': ${(e as { code?: string }).code ?? "error"}`);
  }
}

/** A file that is not a trace.dat is a wrong argument, not a failed check. */
function inFile<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof VtraceError) throw new UsageError(`'${path}' is not a readable trace.dat: ${e.message}`);
    throw addContext(e, "file", path, path);
  }
}
