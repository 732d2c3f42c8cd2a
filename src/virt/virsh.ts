// virsh, for setup-guest --attach (as trace-cmd's setup-guest -a): a domain's vCPU count, its
// configuration's XML, and channels attached to that configuration. I/O at the edge: runs virsh,
// which connects where the user's libvirt setup says (LIBVIRT_DEFAULT_URI, else qemu:///system as root).

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { EnvironmentError, VtraceError } from "../errors.ts";

function virsh(args: string[]): string {
  if (!Bun.which("virsh")) throw new EnvironmentError("virsh not found: install libvirt-clients, or leave out --attach and paste the XML with 'virsh edit'");
  const r = Bun.spawnSync(["virsh", ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new VtraceError(`virsh ${args[0]}: ${lastLine(r.stderr.toString()) ?? `exit status ${r.exitCode}`}`);
  return r.stdout.toString();
}

/** virsh's last error line without its "error: " lead. */
function lastLine(text: string): string | undefined {
  return text
    .split("\n")
    .map((l) => l.trim().replace(/^error:\s*/, ""))
    .filter(Boolean)
    .at(-1);
}

/** The most vCPUs the domain's configuration allows (what trace-cmd's setup-guest -a asks). */
export function configuredVcpus(domain: string): number {
  const text = virsh(["vcpucount", domain, "--maximum", "--config"]).trim();
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new VtraceError(`virsh vcpucount ${domain}: unexpected answer '${text}'`);
  return n;
}

/** The domain's configuration (what its next start uses), not the running one. */
export function configXml(domain: string): string {
  return virsh(["dumpxml", "--inactive", domain]);
}

/** Adds one device element to the domain's configuration. */
export function attachToConfig(domain: string, deviceXml: string): void {
  const dir = mkdtempSync(`${tmpdir()}/vtrace-attach-`);
  try {
    writeFileSync(`${dir}/device.xml`, deviceXml, { mode: 0o600 });
    virsh(["attach-device", domain, `${dir}/device.xml`, "--config"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
