// `vtrace setup-guest DOMAIN --cpus N`: make the host folder and FIFOs for a guest, then print
// the libvirt XML and QEMU arguments that connect the guest's virtio-serial ports to them;
// with --libvirt-hook, also install libvirt's hook that makes them again as each domain starts.

import type { CAC } from "cac";
import { UsageError } from "../errors.ts";
import { selfCommand } from "../self-command.ts";
import { libvirtChannelsXml, qemuArgs } from "../virt/guest-config.ts";
import { DEFAULT_HOOKS_DIR, HOOK_SCRIPT, hookScript } from "../virt/libvirt-hook.ts";
import { DEFAULT_VIRT_DIR } from "../virt/paths.ts";
import { defaultQemuGroup, installLibvirtHook, setupGuest } from "../virt/setup-guest.ts";
import { intOption, VIRT_DIR_FLAG, virtDirOf } from "./options.ts";

export function registerSetupGuest(cli: CAC): void {
  cli
    .command("setup-guest <domain>", "Create the FIFOs for a guest and print its libvirt XML / QEMU arguments")
    .option("--cpus <n>", "Number of guest vCPUs (one FIFO pair each)")
    .option("--group <group>", "Group allowed to use the FIFOs (default: qemu, kvm or libvirt-qemu if present)")
    .option("--mode <octal>", "Folder mode", { default: "0710" })
    .option(VIRT_DIR_FLAG, "Virt folder", { default: DEFAULT_VIRT_DIR })
    .option("--libvirt-hook", "Also install libvirt's qemu hook: every domain with trace channels gets its folders and FIFOs as it starts (after a host reboot too)")
    .option("--hooks-dir <dir>", "libvirt's hooks folder", { default: DEFAULT_HOOKS_DIR })
    .action((domain: string, o: Record<string, unknown>) => {
      if (o.cpus === undefined) throw new UsageError("--cpus N is required");
      const cpus = intOption(o.cpus, "--cpus", 1, 256);
      const modeText = modeOption(o.mode);
      const virtDir = virtDirOf(o);
      const group = o.group === undefined ? defaultQemuGroup() : String(o.group);
      const r = setupGuest({ virtDir, domain: String(domain), cpus, group, mode: Number.parseInt(modeText, 8) });
      process.stdout.write(
        `# ${r.folder}: ${r.created.length} created, ${r.existing.length} already there${group ? `, group ${group}` : ""}\n` +
          `# libvirt: add inside <devices> with 'virsh edit ${domain}':\n${libvirtChannelsXml(virtDir, String(domain), cpus)}` +
          `# QEMU: add these arguments:\n${qemuArgs(virtDir, String(domain), cpus).join(" ")}\n`,
      );
      if (o.libvirtHook) process.stdout.write(`${installHook(String(o.hooksDir), o.group === undefined ? undefined : group, modeText)}\n`);
    });
}

/** The folder mode as octal text ("0710"); a usage error otherwise. */
export function modeOption(value: unknown): string {
  const text = String(value);
  if (!/^0?[0-7]{3}$/.test(text)) throw new UsageError(`invalid --mode '${text}': expected octal like 0710`);
  return text;
}

/** Installs the hook with the group and mode given here; says what became of it. */
function installHook(hooksDir: string, group: string | undefined, mode: string): string {
  const args = [...(group === undefined ? [] : ["--group", group]), ...(mode === "0710" ? [] : ["--mode", mode])];
  const path = `${hooksDir}/${HOOK_SCRIPT}`;
  const outcome = installLibvirtHook(hooksDir, hookScript(selfCommand(), args));
  // libvirt looks for hooks when it starts: a first hook needs one restart (running domains go on).
  if (outcome === "installed") return `# libvirt hook: ${path} installed; restart libvirtd once (systemctl restart libvirtd) so that it runs the hook`;
  return `# libvirt hook: ${path} ${outcome === "updated" ? "updated" : "is installed"}`;
}
