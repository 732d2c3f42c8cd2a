// vtrace command line: the command table, and the only place that prints errors and sets exit codes.
// Exit codes: 0 ok, 1 runtime failure, 2 usage or environment, 70 internal error.

import { cac, type CAC } from "cac";
import { EnvironmentError, UsageError, VtraceError } from "./errors.ts";
import { runInSmallHeap } from "./small-heap.ts";
import { VTRACE_VERSION } from "./version.ts";

type Register = (cli: CAC) => void;

/**
 * Commands by name, each loaded on demand: a run loads only its own command's modules (report
 * needs no libc bindings, no Workers), which keeps startup short; --help loads them all.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  record: async () => (await import("./commands/record.ts")).registerRecord,
  report: async () => (await import("./commands/report.ts")).registerReport,
  listen: async () => (await import("./commands/listen.ts")).registerListen,
  "setup-guest": async () => (await import("./commands/setup-guest.ts")).registerSetupGuest,
  "libvirt-hook": async () => (await import("./commands/libvirt-hook.ts")).registerLibvirtHook,
  "virt-server": async () => (await import("./commands/virt-server.ts")).registerVirtServer,
  agent: async () => (await import("./commands/agent.ts")).registerAgent,
  "list-guests": async () => (await import("./commands/list-guests.ts")).registerListGuests,
  "sync-check": async () => (await import("./commands/sync-check.ts")).registerSyncCheck,
  start: async () => (await import("./commands/start.ts")).registerStart,
  stop: async () => (await import("./commands/stop.ts")).registerStop,
  extract: async () => (await import("./commands/extract.ts")).registerExtract,
  reset: async () => (await import("./commands/reset.ts")).registerReset,
  list: async () => (await import("./commands/list.ts")).registerList,
  stat: async () => (await import("./commands/stat.ts")).registerStat,
  convert: async () => (await import("./commands/convert.ts")).registerConvert,
  dump: async () => (await import("./commands/dump.ts")).registerDump,
  split: async () => (await import("./commands/split.ts")).registerSplit,
  show: async () => (await import("./commands/show.ts")).registerShow,
  clear: async () => (await import("./commands/clear.ts")).registerClear,
  attach: async () => (await import("./commands/attach.ts")).registerAttach,
  "vcpu-stat": async () => (await import("./commands/vcpu-stat.ts")).registerVcpuStat,
};

/** The commands to register for these arguments: the named one, or all for help and mistakes. */
async function commandsFor(argv: string[]): Promise<Register[]> {
  const named = COMMANDS[argv[2] ?? ""];
  return named ? [await named()] : Promise.all(Object.values(COMMANDS).map((load) => load()));
}

function exitCodeOf(e: unknown): number {
  if (e instanceof UsageError || e instanceof EnvironmentError) return 2;
  if (e instanceof VtraceError) return 1;
  if (e instanceof Error && e.name === "CACError") return 2;
  return 70;
}

function reportError(command: string, e: unknown): number {
  const code = exitCodeOf(e);
  const prefix = command ? `vtrace ${command}` : "vtrace";
  const message = e instanceof Error ? e.message : String(e);
  const hint = e instanceof VtraceError && e.hint ? ` (${e.hint})` : "";
  process.stderr.write(`${prefix}: ${code === 70 ? "internal error: " : ""}${message}${hint}\n`);
  if (process.env.VTRACE_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return code;
}

export async function main(argv: string[]): Promise<number> {
  const cli = cac("vtrace");
  for (const register of await commandsFor(argv)) register(cli);
  cli.help();
  cli.version(VTRACE_VERSION);
  // cac prints process.version, Bun's Node-compatibility number; the runtime's own is Bun.version.
  cli.outputVersion = () => console.log(`vtrace/${VTRACE_VERSION} ${process.platform}-${process.arch} bun-${Bun.version}`);
  let name = "";
  try {
    cli.parse(argv, { run: false });
    name = cli.matchedCommandName ?? "";
    if (!cli.matchedCommand) {
      if (cli.options.help || cli.options.version) return 0;
      const given = cli.args[0];
      if (given === undefined) {
        cli.outputHelp();
        return 2;
      }
      throw new UsageError(`unknown command '${given}': see 'vtrace --help'`);
    }
    // An action may return its exit status (report --check-events); otherwise success is 0.
    const status: unknown = await cli.runMatchedCommand();
    return typeof status === "number" ? status : 0;
  } catch (e) {
    return reportError(name, e);
  }
}

const code = runInSmallHeap(process.argv) ?? (await main(process.argv));
process.exitCode = code;
// Safety net: if a stray handle keeps the event loop alive, still end with the right code.
setTimeout(() => process.exit(code), 3000).unref();
