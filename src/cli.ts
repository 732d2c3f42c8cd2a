// vtrace command line: the command table, and the only place that prints errors and sets exit codes.
// Exit codes: 0 ok, 1 runtime failure, 2 usage or environment, 70 internal error.

import { cac } from "cac";
import { registerAgent } from "./commands/agent.ts";
import { registerListGuests } from "./commands/list-guests.ts";
import { registerListen } from "./commands/listen.ts";
import { registerRecord } from "./commands/record.ts";
import { registerReport } from "./commands/report.ts";
import { registerSetupGuest } from "./commands/setup-guest.ts";
import { registerVirtServer } from "./commands/virt-server.ts";
import { EnvironmentError, UsageError, VtraceError } from "./errors.ts";
import { VTRACE_VERSION } from "./version.ts";

const COMMANDS = [registerRecord, registerReport, registerListen, registerSetupGuest, registerVirtServer, registerAgent, registerListGuests];

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
  for (const register of COMMANDS) register(cli);
  cli.help();
  cli.version(VTRACE_VERSION);
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
    await cli.runMatchedCommand();
    return 0;
  } catch (e) {
    return reportError(name, e);
  }
}

const code = await main(process.argv);
process.exitCode = code;
// Safety net: if a stray handle keeps the event loop alive, still end with the right code.
setTimeout(() => process.exit(code), 3000).unref();
