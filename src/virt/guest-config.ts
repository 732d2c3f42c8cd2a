// The libvirt <channel> XML and the QEMU arguments that wire a guest's virtio-serial ports to the
// host FIFOs and control socket. Pure text generation.

import { controlSocketPath, traceFifoBase } from "./paths.ts";

/**
 * The control channel connects to the virt-server and, with <reconnect>, connects again within a
 * second whenever a server listens (after a restart too); setup-guest leaves a socket node at its
 * path so that libvirt starts the domain while no server runs.
 */
export function libvirtChannelsXml(virtDir: string, domain: string, cpus: number): string {
  const lines = [
    `<channel type='unix'>`,
    `  <source mode='connect' path='${controlSocketPath(virtDir)}'>`,
    `    <reconnect enabled='yes' timeout='1'/>`,
    `  </source>`,
    `  <target type='virtio' name='agent-ctl-path'/>`,
    `</channel>`,
  ];
  for (let cpu = 0; cpu < cpus; cpu++) {
    lines.push(
      `<channel type='pipe'>`,
      `  <source path='${traceFifoBase(virtDir, domain, cpu)}'/>`,
      `  <target type='virtio' name='trace-path-cpu${cpu}'/>`,
      `</channel>`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * QEMU arguments, one option pair per line, ready to append to a command line. debug-threads=on
 * names the vCPU threads "CPU N/KVM" (as libvirt does), which is how the host file's GUEST option
 * maps each vCPU to its host thread.
 */
export function qemuArgs(virtDir: string, domain: string, cpus: number): string[] {
  const args = [
    "-name", `guest=${domain},debug-threads=on`,
    "-device", "virtio-serial-pci,id=vtrace-serial0",
    "-chardev", `socket,id=vtrace-ctl,path=${controlSocketPath(virtDir)},reconnect=1`,
    "-device", "virtserialport,bus=vtrace-serial0.0,chardev=vtrace-ctl,name=agent-ctl-path",
  ];
  for (let cpu = 0; cpu < cpus; cpu++) {
    args.push(
      "-chardev", `pipe,id=vtrace-cpu${cpu},path=${traceFifoBase(virtDir, domain, cpu)}`,
      "-device", `virtserialport,bus=vtrace-serial0.0,chardev=vtrace-cpu${cpu},name=trace-path-cpu${cpu}`,
    );
  }
  return args;
}
