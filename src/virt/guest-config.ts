// The libvirt <channel> XML and the QEMU arguments that wire a guest's virtio-serial ports to the
// host FIFOs and control socket. Pure text generation.

import { AGENT_CTL_NAME, controlSocketPath, traceFifoBase } from "./paths.ts";

/** One <channel> element vtrace adds to a domain: its type, source path, target name and XML. */
export interface ChannelElement {
  type: "unix" | "pipe";
  source: string;
  target: string;
  xml: string;
}

/**
 * The control channel connects to the virt-server and, with <reconnect>, connects again within a
 * second whenever a server listens (after a restart too); setup-guest leaves a socket node at its
 * path so that libvirt starts the domain while no server runs. Then one pipe channel per vCPU.
 */
export function traceChannelElements(virtDir: string, domain: string, cpus: number): ChannelElement[] {
  const control = controlSocketPath(virtDir);
  const elements: ChannelElement[] = [
    {
      type: "unix",
      source: control,
      target: AGENT_CTL_NAME,
      xml: [
        `<channel type='unix'>`,
        `  <source mode='connect' path='${control}'>`,
        `    <reconnect enabled='yes' timeout='1'/>`,
        `  </source>`,
        `  <target type='virtio' name='${AGENT_CTL_NAME}'/>`,
        `</channel>`,
      ].join("\n"),
    },
  ];
  for (let cpu = 0; cpu < cpus; cpu++) {
    const source = traceFifoBase(virtDir, domain, cpu);
    const target = `trace-path-cpu${cpu}`;
    elements.push({ type: "pipe", source, target, xml: [`<channel type='pipe'>`, `  <source path='${source}'/>`, `  <target type='virtio' name='${target}'/>`, `</channel>`].join("\n") });
  }
  return elements;
}

/** The elements to paste inside <devices> with `virsh edit`. */
export function libvirtChannelsXml(virtDir: string, domain: string, cpus: number): string {
  return `${traceChannelElements(virtDir, domain, cpus)
    .map((e) => e.xml)
    .join("\n")}\n`;
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
