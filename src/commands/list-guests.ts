// `vtrace list-guests`: the guests whose agent is connected to the virt-server.

import type { CAC } from "cac";
import { listGuests } from "../virt/host-guests.ts";
import { DEFAULT_VIRT_DIR } from "../virt/paths.ts";
import { VIRT_DIR_FLAG, virtDirOf } from "./options.ts";

export function registerListGuests(cli: CAC): void {
  cli
    .command("list-guests", "Show the guests whose agent answers the virt-server")
    .option(VIRT_DIR_FLAG, "Virt folder of the virt-server", { default: DEFAULT_VIRT_DIR })
    .action(async (o: Record<string, unknown>) => {
      const guests = await listGuests(virtDirOf(o));
      if (guests.length === 0) {
        process.stdout.write("no guest agent is connected\n");
        return;
      }
      process.stdout.write(`${"GUEST".padEnd(20)} ${"CPUS".padStart(4)}  ${"QEMU PID".padStart(8)}  STATE\n`);
      for (const g of guests) {
        process.stdout.write(`${g.name.padEnd(20)} ${String(g.cpus).padStart(4)}  ${String(g.qemuPid).padStart(8)}  ${g.busy ? "recording" : "agent ready"}\n`);
      }
    });
}
