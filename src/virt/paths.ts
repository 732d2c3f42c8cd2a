// Where the virt transport lives: on the host a folder per domain
// with FIFO pairs and one control socket; in the guest the virtio-serial port names. Pure.

import { UsageError } from "../errors.ts";

export const DEFAULT_VIRT_DIR = "/tmp/trace-cmd/virt";
export const AGENT_CTL_NAME = "agent-ctl-path";
export const GUEST_PORTS_DIR = "/dev/virtio-ports";
export const LIBVIRT_PID_DIR = "/var/run/libvirt/qemu";

/** Refuses names that would escape the virt folder or break QEMU/libvirt option syntax. */
export function checkDomainName(name: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,63}$/.test(name) || name.includes("..")) {
    throw new UsageError(`invalid domain name '${name}': use letters, digits, '_', '.', '+', '-' (no '/' or '..')`);
  }
  return name;
}

/**
 * Refuses a virt folder that is not a plain absolute path below the root: set-up changes the mode and
 * group of the virt folder, so `/x/..` (the root itself, spelled otherwise) must never reach it.
 */
export function checkVirtDir(virtDir: string): string {
  if (!isPlainVirtDir(virtDir)) throw new UsageError(`invalid virt folder '${virtDir}': give an absolute path below / without '.' or '..' parts`);
  return virtDir;
}

/** An absolute path with no empty, '.' or '..' parts, and not the root. */
export function isPlainVirtDir(virtDir: string): boolean {
  const parts = virtDir.split("/").slice(1);
  return virtDir.startsWith("/") && parts.every((p) => p !== "" && p !== "." && p !== "..");
}

export function traceFifoBase(virtDir: string, domain: string, cpu: number): string {
  return `${virtDir}/${domain}/trace-path-cpu${cpu}`;
}

export function controlSocketPath(virtDir: string): string {
  return `${virtDir}/${AGENT_CTL_NAME}`;
}

export function guestTracePort(cpu: number): string {
  return `${GUEST_PORTS_DIR}/trace-path-cpu${cpu}`;
}

export function guestControlPort(): string {
  return `${GUEST_PORTS_DIR}/${AGENT_CTL_NAME}`;
}
