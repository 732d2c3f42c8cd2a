// `vtrace listen`: receive live recordings from `record -N` clients (vtrace or trace-cmd).

import type { CAC } from "cac";
import { parseAllowed } from "../listen/allow-list.ts";
import { diskLimitsOf, MAX_SIZE_HELP, MIN_FREE_HELP } from "../listen/limits.ts";
import { makeLogger, startListenServer } from "../listen/server.ts";
import { daemonize } from "./daemon.ts";
import { intOption, listOption, outputFolder, outputName } from "./options.ts";

export function registerListen(cli: CAC): void {
  cli
    .command("listen", "Receive recordings from 'record -N HOST:PORT' clients (trace-cmd compatible)")
    .option("-p, --port <port>", "TCP port to listen on", { default: 12345 })
    .option("--bind <address>", "Address to listen on", { default: "0.0.0.0" })
    .option("-d, --dir <dir>", "Output folder", { default: "." })
    .option("-o, --output <name>", "Output name: files are NAME.HOST:PORT.dat", { default: "trace" })
    .option("-l, --log <file>", "Log to FILE instead of stdout")
    .option("-D, --daemon", "Run in the background")
    .option("--allow <addr[/prefix]>", "Accept only peers in this IPv4/IPv6 network (repeatable); default: anyone")
    .option("--max-size <size>", MAX_SIZE_HELP)
    .option("--min-free <size>", MIN_FREE_HELP)
    .option("--max-clients <n>", "Most clients served at once", { default: 64 })
    .action(async (o: Record<string, unknown>) => {
      const port = intOption(o.port, "--port", 0, 65535);
      const dir = outputFolder(o.dir);
      const name = outputName(o.output);
      const allow = listOption(o.allow).map(parseAllowed);
      const limits = diskLimitsOf(o);
      const maxClients = intOption(o.maxClients, "--max-clients", 1, 4096);
      if (o.daemon) return daemonize("--daemon", "-D");
      const server = startListenServer({
        port,
        hostname: String(o.bind),
        outDir: dir,
        name,
        logFile: o.log === undefined ? undefined : String(o.log),
        limits,
        maxClients,
        allow,
      });
      const who = allow.length > 0 ? `accepting recordings from ${allow.map((a) => a.text).join(", ")}` : "without --allow it accepts recordings from anyone who can reach the port";
      const startLine = `vtrace listen: listening on ${String(o.bind)}:${server.port}; ${who}`;
      process.stderr.write(`${startLine}\n`);
      // With -D, stderr goes nowhere: the log says it.
      if (o.log !== undefined) makeLogger(String(o.log))(startLine);
      await new Promise<void>((resolve) => {
        for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => resolve());
      });
      server.stop();
    });
}
