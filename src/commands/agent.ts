// `vtrace agent`: the guest service that records on the host's orders (see src/virt/agent.ts).

import type { CAC } from "cac";
import { runAgent } from "../virt/agent.ts";
import { VTRACE_VERSION } from "../version.ts";

export function registerAgent(cli: CAC): void {
  cli.command("agent", "In a guest: wait for recording orders from the host's virt-server").action(async () => {
    const exit = new Promise<void>((resolve) => {
      for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => resolve());
    });
    await runAgent({ version: VTRACE_VERSION, log: (l) => process.stderr.write(`${l}\n`), exit });
  });
}
