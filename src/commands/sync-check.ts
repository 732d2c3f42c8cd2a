// `vtrace sync-check`: files opened at the edge, src/merge/sync-check.ts measures (and
// src/merge/causal-check.ts checks the --causal rules), text out.
// Exit 0: every causal pair in order; 1: some out of order (or nothing to check); 2: usage.

import type { CAC } from "cac";
import { UsageError, VtraceError } from "../errors.ts";
import { openFileSource, type FileSource } from "../io/file-source.ts";
import { checkCausal } from "../merge/causal-check.ts";
import { causalRule, type CausalRule } from "../merge/causal-rule.ts";
import { checkSync, readSyncSet, type SyncCheckInput } from "../merge/sync-check.ts";
import { formatSyncCheck } from "../merge/sync-check-text.ts";
import { addContext } from "../tracedat/reader/error-context.ts";
import { openTraceDat } from "../tracedat/reader/open.ts";

interface SyncCheckArgs {
  paths: string[];
  guestOffset?: bigint;
  causal: [cause: string, effect: string][];
}

export function registerSyncCheck(cli: CAC): void {
  cli
    // The second regex of each --causal lands among cac's positional arguments, and a value such
    // as "--guest-offset -5000" or a regex starting with "-" looks like flags to cac: the arguments
    // are read from the raw argv instead (syncCheckArgs()).
    .command("sync-check [...regexes]", "Measure how well a host + guests recording is clock-synchronised (exit 1 if events are out of causal order)")
    .usage("sync-check -i trace.dat -i trace-GUEST.dat... [--guest-offset N] [--causal CAUSE EFFECT]...")
    .option("-i, --input <file>", "The host's trace.dat and its guest files (repeat)", { type: [String] })
    .option("--guest-offset [n]", "Add N to every guest timestamp first, in the merged timeline's unit (a what-if: how much error the sync tolerates)")
    .option("--causal [CAUSE] [EFFECT]", "Also check that each report line matching regex EFFECT comes after the CAUSE line with the same key: CAUSE's capture group, EFFECT's or \\1 (repeat)")
    .example("vtrace sync-check -i trace.dat -i trace-g1.dat")
    .example("vtrace sync-check -i trace.dat -i trace-g1.dat --causal 'GPING (\\d+)$' 'HPONG \\1$'")
    .allowUnknownOptions()
    .action(() => runSyncCheck(syncCheckArgs(cli.rawArgs)));
}

/** The arguments after "sync-check" in the raw argv: -i/--input, --guest-offset, --causal CAUSE EFFECT. */
function syncCheckArgs(rawArgs: readonly string[]): SyncCheckArgs {
  const args = rawArgs.slice(rawArgs.indexOf("sync-check", 2) + 1);
  const out: SyncCheckArgs = { paths: [], causal: [] };
  let offset: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = splitInline(args[i]!);
    const value = (): string => {
      if (inline !== undefined) return inline;
      if (i + 1 >= args.length) throw new UsageError(`${name} needs a value: see 'vtrace sync-check --help'`);
      return args[++i]!;
    };
    if (name === "-i" || name === "--input") out.paths.push(value());
    else if (name === "--guest-offset") offset = value();
    else if (name === "--causal") {
      if (inline !== undefined || i + 2 >= args.length) throw new UsageError("--causal needs two regexes: --causal 'CAUSE (KEY)' 'EFFECT \\1'");
      out.causal.push([args[i + 1]!, args[i + 2]!]);
      i += 2;
    } else if (name === "-h" || name === "--help" || name === "-v" || name === "--version") continue;
    else if (name.startsWith("-") && name.length > 1) throw new UsageError(`unknown option '${name}': see 'vtrace sync-check --help'`);
    else throw new UsageError(`unexpected argument '${args[i]}': files go after -i (see 'vtrace sync-check --help')`);
  }
  if (offset !== undefined && !/^[+-]?\d+$/.test(offset)) throw new UsageError(`invalid --guest-offset '${offset}': expected an integer`);
  if (out.paths.length < 2) throw new UsageError("give the host file and its guest files: -i trace.dat -i trace-GUEST.dat ...");
  return { ...out, guestOffset: offset === undefined ? undefined : BigInt(offset) };
}

/** "--name=value" → ["--name", "value"]; anything else as it is. */
function splitInline(arg: string): [string, string | undefined] {
  const eq = arg.indexOf("=");
  return arg.startsWith("--") && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

function runSyncCheck(args: SyncCheckArgs): void {
  // Rules first: a bad regex is a usage error before any file is read.
  const rules: CausalRule[] = args.causal.map(([cause, effect]) => causalRule(cause, effect));
  const sources: FileSource[] = [];
  try {
    const inputs = args.paths.map((path): SyncCheckInput => {
      const source = openInput(path);
      sources.push(source);
      return { path, dat: inFile(path, () => openTraceDat(source)) };
    });
    const set = readSyncSet(inputs, { guestOffset: args.guestOffset });
    const result = checkSync(set);
    const causal = rules.length > 0 ? checkCausal(inputs, rules, set, result, args.guestOffset) : undefined;
    process.stdout.write(formatSyncCheck(set, result, causal?.extra));
    if (causal?.error) throw causal.error;
    const checked = result.checked + (causal?.extra.checked ?? 0);
    const outOfOrder = result.outOfOrder + (causal?.extra.outOfOrder ?? 0);
    if (checked === 0) throw new VtraceError("no causal pairs to check: no complete clock-sync probe in these files");
    if (outOfOrder > 0) throw new VtraceError(`${outOfOrder} of ${checked} pairs out of order on the merged timeline`);
    // A rule that pairs nothing checks nothing: most likely a regex that does not match the report's lines.
    const idle = causal?.results.find((r) => r.pairs === 0);
    if (idle) throw new VtraceError(`--causal '${idle.rule.cause}' '${idle.rule.effect}' found no pairs (${idle.causes} cause lines, ${idle.effects} effect lines matched)`);
  } finally {
    for (const s of sources) s[Symbol.dispose]();
  }
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
