// `vtrace setup-guest DOMAIN --cpus N`: make the host folder and FIFOs for a guest, then print
// the libvirt XML and QEMU arguments that connect the guest's virtio-serial ports to them.

import type { CAC } from "cac";
import { UsageError } from "../errors.ts";
import { libvirtChannelsXml, qemuArgs } from "../virt/guest-config.ts";
import { DEFAULT_VIRT_DIR } from "../virt/paths.ts";
import { defaultQemuGroup, setupGuest } from "../virt/setup-guest.ts";
import { intOption, VIRT_DIR_FLAG, virtDirOf } from "./options.ts";

export function registerSetupGuest(cli: CAC): void {
  cli
    .command("setup-guest <domain>", "Create the FIFOs for a guest and print its libvirt XML / QEMU arguments")
    .option("--cpus <n>", "Number of guest vCPUs (one FIFO pair each)")
    .option("--group <group>", "Group allowed to use the FIFOs (default: qemu, kvm or libvirt-qemu if present)")
    .option("--mode <octal>", "Folder mode", { default: "0710" })
    .option(VIRT_DIR_FLAG, "Virt folder", { default: DEFAULT_VIRT_DIR })
    .action((domain: string, o: Record<string, unknown>) => {
      if (o.cpus === undefined) throw new UsageError("--cpus N is required");
      const cpus = intOption(o.cpus, "--cpus", 1, 256);
      const modeText = String(o.mode);
      if (!/^0?[0-7]{3}$/.test(modeText)) throw new UsageError(`invalid --mode '${modeText}': expected octal like 0710`);
      const virtDir = virtDirOf(o);
      const group = o.group === undefined ? defaultQemuGroup() : String(o.group);
      const r = setupGuest({ virtDir, domain: String(domain), cpus, group, mode: Number.parseInt(modeText, 8) });
      process.stdout.write(
        `# ${r.folder}: ${r.created.length} created, ${r.existing.length} already there${group ? `, group ${group}` : ""}\n` +
          `# libvirt: add inside <devices> with 'virsh edit ${domain}':\n${libvirtChannelsXml(virtDir, String(domain), cpus)}` +
          `# QEMU: add these arguments:\n${qemuArgs(virtDir, String(domain), cpus).join(" ")}\n`,
      );
    });
}
