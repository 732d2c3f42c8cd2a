// `vtrace libvirt-hook DOMAIN OPERATION SUB-OPERATION EXTRA`, run by libvirt's qemu hook script
// (installed by `setup-guest --libvirt-hook`) with the domain XML on stdin: on "prepare begin", the
// set-up of setup-guest for the virt folder and vCPU count the domain's trace channels name.
// Quiet when there is nothing to do, and a domain whose trace channels are laid out otherwise (or
// whose name or folder setup-guest would not take) is left to start as it would, with a note on
// stderr. A refused set-up (a symlink, another user's folder) is one line on stderr and exit 1,
// which libvirt shows as the reason the domain did not start.

import type { CAC } from "cac";
import { UsageError } from "../errors.ts";
import { traceLayoutOf } from "../virt/libvirt-hook.ts";
import { defaultQemuGroup, setupGuest } from "../virt/setup-guest.ts";
import { modeOption } from "./setup-guest.ts";

/** A domain XML is kilobytes; libvirt is trusted, but a runaway stdin should not be read for ever. */
const MAX_XML_BYTES = 16 << 20;

export function registerLibvirtHook(cli: CAC): void {
  cli
    .command("libvirt-hook <domain> <operation> [...rest]", "libvirt's qemu hook (see setup-guest --libvirt-hook): set up a domain's trace FIFOs as it starts")
    .option("--group <group>", "Group allowed to use the FIFOs (default: qemu, kvm or libvirt-qemu if present)")
    .option("--mode <octal>", "Folder mode", { default: "0710" })
    .action(async (domain: string, operation: string, rest: string[], o: Record<string, unknown>) => {
      if (operation !== "prepare" || rest[0] !== "begin") return;
      const xml = await readXml();
      const layout = traceLayoutOf(xml, domain);
      if (layout.kind === "other") return leftAsItIs(domain, layout.why);
      if (layout.kind !== "setup-guest") return;
      const group = o.group === undefined ? defaultQemuGroup() : String(o.group);
      try {
        setupGuest({ virtDir: layout.virtDir, cpus: layout.cpus, domain, group, mode: Number.parseInt(modeOption(o.mode), 8) });
      } catch (e) {
        // A name or folder setup-guest would not take is not its layout; a symlink or another
        // user's folder in it (a VtraceError) stops the start.
        if (!(e instanceof UsageError)) throw e;
        leftAsItIs(domain, e.message);
      }
    });
}

async function readXml(): Promise<string> {
  const xml = await Bun.stdin.text();
  if (xml.length > MAX_XML_BYTES) throw new UsageError(`the domain XML on stdin is over ${MAX_XML_BYTES >> 20} MiB`);
  return xml;
}

function leftAsItIs(domain: string, why: string): void {
  process.stderr.write(`vtrace libvirt-hook: domain '${domain}' left as it is: ${why}\n`);
}
