// `vtrace listen`: receive live recordings from `record -N` clients (vtrace or trace-cmd).

import type { CAC } from "cac";
import { startListenServer } from "../listen/server.ts";
import { daemonize } from "./daemon.ts";
import { intOption, outputFolder, outputName } from "./options.ts";

export function registerListen(cli: CAC): void {
  cli
    .command("listen", "Receive recordings from 'record -N HOST:PORT' clients (trace-cmd compatible)")
    .option("-p, --port <port>", "TCP port to listen on", { default: 12345 })
    .option("--bind <address>", "Address to listen on", { default: "0.0.0.0" })
    .option("-d, --dir <dir>", "Output folder", { default: "." })
    .option("-o, --output <name>", "Output name: files are NAME.HOST:PORT.dat", { default: "trace" })
    .option("-l, --log <file>", "Log to FILE instead of stdout")
    .option("-D, --daemon", "Run in the background")
    .action(async (o: Record<string, unknown>) => {
      const port = intOption(o.port, "--port", 0, 65535);
      const dir = outputFolder(o.dir);
      const name = outputName(o.output);
      if (o.daemon) return daemonize("--daemon", "-D");
      const server = startListenServer({
        port,
        hostname: String(o.bind),
        outDir: dir,
        name,
        logFile: o.log === undefined ? undefined : String(o.log),
      });
      process.stderr.write(`vtrace listen: listening on ${String(o.bind)}:${server.port}\n`);
      await new Promise<void>((resolve) => {
        for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => resolve());
      });
      server.stop();
    });
}
