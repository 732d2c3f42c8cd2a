// `vtrace virt-server`: receive guests' recordings over virtio-serial (see src/virt/).

import type { CAC } from "cac";
import { diskLimitsOf, MAX_SIZE_HELP, MIN_FREE_HELP } from "../listen/limits.ts";
import { makeLogger } from "../listen/server.ts";
import { DEFAULT_VIRT_DIR } from "../virt/paths.ts";
import { startVirtServer } from "../virt/server.ts";
import { daemonize } from "./daemon.ts";
import { outputFolder, outputName, VIRT_DIR_FLAG, virtDirOf } from "./options.ts";

export function registerVirtServer(cli: CAC): void {
  cli
    .command("virt-server", "Receive guests' recordings over virtio-serial (guests run 'vtrace record --virt')")
    .option("-d, --out-dir <dir>", "Output folder", { default: "." })
    .option("-o, --output <name>", "Output name: files are NAME.DOMAIN.dat", { default: "trace" })
    .option("-l, --log <file>", "Log to FILE instead of stdout")
    .option("-D, --daemon", "Run in the background")
    .option(VIRT_DIR_FLAG, "Virt folder holding agent-ctl-path and the per-domain FIFOs", { default: DEFAULT_VIRT_DIR })
    .option("--max-size <size>", MAX_SIZE_HELP)
    .option("--min-free <size>", MIN_FREE_HELP)
    .action(async (o: Record<string, unknown>) => {
      const outDir = outputFolder(o.outDir);
      const limits = diskLimitsOf(o);
      const name = outputName(o.output);
      if (o.daemon) return daemonize("--daemon", "-D");
      // Handlers first: a signal that comes as soon as the sockets answer must still stop cleanly.
      const stopAsked = new Promise<void>((resolve) => {
        for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => resolve());
      });
      const server = startVirtServer({
        virtDir: virtDirOf(o),
        outDir,
        name,
        agents: new Map(),
        log: makeLogger(o.log === undefined ? undefined : String(o.log)),
        limits,
      });
      await stopAsked;
      server.stop();
    });
}
