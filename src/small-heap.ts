// `report` makes garbage in proportion to its output while its live heap stays small, and JSC sizes
// its heap by the machine's RAM, so the heap grows far past what is live between collections. JSC
// reads its limits from the environment only at startup: a report runs itself again once with
// BUN_JSC_forceRAMSize set (measured on a 1 GB file: 97.8 MB peak, against 133 MB and growing without;
// it costs one more start-up, ~40 ms). Set VTRACE_HEAP=default to skip it.
// JIT compiles run concurrently (on the other core) whatever the number of inputs: a host + 2 guests
// merge once had to compile on its own thread to stay under 100 MiB (1.33 s), and now peaks at
// 93-95 MiB with concurrent compiles (0.98 s), since kallsyms tables keep only their names and the
// text is collected as soon as it is decoded (src/report/catalog.ts).

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { selfCommand } from "./self-command.ts";

const HEAP_ENV = "BUN_JSC_forceRAMSize";
const HEAP_BYTES = 64 << 20;
/**
 * A small file prints little, so JSC's default heap stays below the budget and the second start-up
 * is saved: ~15-30 ms of a 0.12-0.15 s report. Measured peaks with the default heap: 65 MB for 25k
 * events (7 MB v6), 60 MB for 80k (9 MB v6), 69 MB for 31k (1.3 MB v7 zstd), 88-90 MB for 370k-430k
 * events (2.6-3.1 MB v7 zstd, printing ~60 MB); so an uncompressed file (v6, or v7 "none") counts
 * up to the first size, a compressed one (more records per byte) up to the second.
 */
const SMALL_V6_BYTES = 12 << 20;
const SMALL_V7_BYTES = 2 << 20;
/** The commands that run better in a small heap. */
const SMALL_HEAP_COMMANDS = new Set(["report"]);

/** This process runs in the small heap: memory counts more than a few ms (see keepNamesOnly()). */
export function inSmallHeap(): boolean {
  return process.env[HEAP_ENV] !== undefined;
}

/** The exit code of the same command run again in a small heap, or undefined to run it here. */
export function runInSmallHeap(argv: string[]): number | undefined {
  if (!SMALL_HEAP_COMMANDS.has(argv[2] ?? "") || process.env[HEAP_ENV] !== undefined || process.env.VTRACE_HEAP === "default") return undefined;
  if (isSmallReport(argv.slice(3))) return undefined;
  const child = Bun.spawnSync([...selfCommand(), ...argv.slice(2)], {
    env: { ...process.env, [HEAP_ENV]: String(HEAP_BYTES) },
    stdio: ["inherit", "inherit", "inherit"],
  });
  return child.exitCode ?? 128 + (child.signalCode === "SIGPIPE" ? 13 : 2);
}

/** `report -i FILE` or `report FILE` alone, FILE a small trace.dat (see SMALL_V6_BYTES). */
function isSmallReport(args: string[]): boolean {
  const path = args.length === 2 && args[0] === "-i" ? args[1] : args.length === 1 && !args[0]!.startsWith("-") ? args[0] : undefined;
  if (path === undefined) return false;
  try {
    const fd = openSync(path, "r");
    try {
      const head = new Uint8Array(23);
      readSync(fd, head, 0, head.length, 0);
      // "\x17\x08\x44tracing\0" and the version as text ("6\0" or "7\0"); v7 goes on with the
      // endianness, long size, page size (4 bytes) and the compression's name at 18.
      const magic = head[0] === 0x17 && head[1] === 0x08 && head[2] === 0x44 && head[11] === 0;
      const version = magic ? head[10] : 0;
      const uncompressed = version === 0x36 || (version === 0x37 && new TextDecoder().decode(head.subarray(18, 23)) === "none\0");
      const limit = uncompressed ? SMALL_V6_BYTES : version === 0x37 ? SMALL_V7_BYTES : 0;
      return fstatSync(fd).size <= limit;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false; // the report itself says what is wrong with the file
  }
}
