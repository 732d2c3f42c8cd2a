// `vtrace setup-guest DOMAIN --cpus N`: make the host folder and FIFOs for a guest, then print
// the libvirt XML and QEMU arguments that connect the guest's virtio-serial ports to them. With
// --attach, add those channels to the libvirt domain's configuration instead (the vCPU count from
// libvirt when --cpus is not given); with --libvirt-hook, install libvirt's hook that makes the
// folders and FIFOs again as each domain starts.

import type { CAC } from "cac";
import { UsageError } from "../errors.ts";
import { ProgressLine } from "../recorder/progress.ts";
import { selfCommand } from "../self-command.ts";
import { libvirtChannelsXml, qemuArgs, traceChannelElements, type ChannelElement } from "../virt/guest-config.ts";
import { DEFAULT_HOOKS_DIR, HOOK_SCRIPT, hookScript } from "../virt/libvirt-hook.ts";
import { domainChannels, missingChannels } from "../virt/libvirt-xml.ts";
import { checkDomainName, DEFAULT_VIRT_DIR } from "../virt/paths.ts";
import { defaultQemuGroup, installLibvirtHook, setupGuest } from "../virt/setup-guest.ts";
import { attachToConfig, configuredVcpus, configXml } from "../virt/virsh.ts";
import { intOption, VIRT_DIR_FLAG, virtDirOf } from "./options.ts";

export function registerSetupGuest(cli: CAC): void {
  cli
    .command("setup-guest <domain>", "Create the FIFOs for a guest; print its libvirt XML / QEMU arguments, or add the XML to the domain (--attach)")
    .option("--cpus <n>", "Number of guest vCPUs (one FIFO pair each; with --attach, default: libvirt's maximum for the domain)")
    .option("--group <group>", "Group allowed to use the FIFOs (default: qemu, kvm or libvirt-qemu if present)")
    .option("--mode <octal>", "Folder mode", { default: "0710" })
    .option(VIRT_DIR_FLAG, "Virt folder", { default: DEFAULT_VIRT_DIR })
    .option("-a, --attach", "Add the channels to the libvirt domain's configuration (virsh attach-device --config), those it lacks")
    .option("--libvirt-hook", "Also install libvirt's qemu hook: every domain with trace channels gets its folders and FIFOs as it starts (after a host reboot too)")
    .option("--hooks-dir <dir>", "libvirt's hooks folder", { default: DEFAULT_HOOKS_DIR })
    .action((domainArg: string, o: Record<string, unknown>) => {
      const domain = checkDomainName(String(domainArg));
      if (o.cpus === undefined && !o.attach) throw new UsageError("--cpus N is required (or --attach, to take the count from libvirt)");
      const cpus = o.cpus === undefined ? configuredVcpus(domain) : intOption(o.cpus, "--cpus", 1, 256);
      const modeText = modeOption(o.mode);
      const virtDir = virtDirOf(o);
      const group = o.group === undefined ? defaultQemuGroup() : String(o.group);
      // What the domain lacks, known before anything is made: a conflicting channel stops it all.
      const toAttach = o.attach ? missingChannels(domain, domainChannels(configXml(domain)), traceChannelElements(virtDir, domain, cpus)) : undefined;
      const r = setupGuest({ virtDir, domain, cpus, group, mode: Number.parseInt(modeText, 8) });
      process.stdout.write(`# ${r.folder}: ${r.created.length} created, ${r.existing.length} already there${group ? `, group ${group}` : ""}\n`);
      for (const dir of r.closed) process.stdout.write(`# warning: ${dir} does not let group ${group} through, so QEMU cannot reach the FIFOs (left as it is: it is not vtrace's)\n`);
      process.stdout.write(toAttach ? `${attachChannels(domain, toAttach)}\n` : `# libvirt: add inside <devices> with 'virsh edit ${domain}':\n${libvirtChannelsXml(virtDir, domain, cpus)}`);
      process.stdout.write(`# QEMU: add these arguments:\n${qemuArgs(virtDir, domain, cpus).join(" ")}\n`);
      if (o.libvirtHook) process.stdout.write(`${installHook(String(o.hooksDir), o.group === undefined ? undefined : group, modeText)}\n`);
    });
}

/** The folder mode as octal text ("0710"); a usage error otherwise. */
export function modeOption(value: unknown): string {
  const text = String(value);
  if (!/^0?[0-7]{3}$/.test(text)) throw new UsageError(`invalid --mode '${text}': expected octal like 0710`);
  return text;
}

/** Attaches the channels the domain's configuration lacks, one by one (virsh takes seconds each). */
function attachChannels(domain: string, missing: readonly ChannelElement[]): string {
  if (missing.length === 0) return `# libvirt: ${domain}'s configuration has the channels already`;
  const progress = new ProgressLine(process.stderr);
  missing.forEach((c, i) => {
    progress.show(`attaching ${c.target} to ${domain} (${i + 1} of ${missing.length})`);
    attachToConfig(domain, c.xml);
  });
  progress.clear();
  return `# libvirt: attached ${missing.map((c) => c.target).join(", ")} to ${domain}'s configuration (used from its next start)`;
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
