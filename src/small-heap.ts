// `report` makes garbage in proportion to its output while its live heap stays small, and JSC sizes
// its heap by the machine's RAM, so the heap grows far past what is live between collections. JSC
// reads its limits from the environment only at startup: a report runs itself again once with
// BUN_JSC_forceRAMSize set (measured on a 1 GB file: 97.8 MB peak, against 133 MB and growing without;
// it costs one more start-up, ~40 ms). Set VTRACE_HEAP=default to skip it.

const HEAP_ENV = "BUN_JSC_forceRAMSize";
const HEAP_BYTES = 64 << 20;
/**
 * With several input files, JIT compiles run on the report's own thread, one at a time. Each file
 * adds its metadata, symbols and formats, and the compile threads' memory came on top: a host + 2
 * guests merge peaked at 105-108 MB with concurrent compiles, 98-101 MB without. A single file stays
 * far below the budget (~90 MB on 3M events), and there concurrent compiles on the other core cut
 * wall time by up to half on small files (0.29 -> 0.15 s on 80k sched events).
 */
const MANY_INPUTS_JIT_ENV = { BUN_JSC_useConcurrentJIT: "0" };
/** The commands that run better in a small heap. */
const SMALL_HEAP_COMMANDS = new Set(["report"]);

/** The exit code of the same command run again in a small heap, or undefined to run it here. */
export function runInSmallHeap(argv: string[]): number | undefined {
  if (!SMALL_HEAP_COMMANDS.has(argv[2] ?? "") || process.env[HEAP_ENV] !== undefined || process.env.VTRACE_HEAP === "default") return undefined;
  // A compiled binary is its own runtime; from source, bun needs the script again.
  const self = Bun.main.startsWith("/$bunfs/") ? [process.execPath] : [process.execPath, Bun.main];
  const child = Bun.spawnSync([...self, ...argv.slice(2)], {
    env: { ...(inputCount(argv) > 1 ? MANY_INPUTS_JIT_ENV : {}), ...process.env, [HEAP_ENV]: String(HEAP_BYTES) },
    stdio: ["inherit", "inherit", "inherit"],
  });
  return child.exitCode ?? 128 + (child.signalCode === "SIGPIPE" ? 13 : 2);
}

/** How many -i/--input options the command line has (a rough count: enough to tell one from many). */
function inputCount(argv: string[]): number {
  return argv.filter((a) => a === "-i" || a === "--input" || a.startsWith("--input=") || /^-i./.test(a)).length;
}
