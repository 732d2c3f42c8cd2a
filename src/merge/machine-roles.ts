// Which input of a host + guests set is which machine, decided from the files' options alone: a host
// file's GUEST options name its guests (name, trace id, vCPU threads), and a guest file is the one
// whose TRACEID option a host names. Two views of the same rule:
//  - machineRoles(): lenient, every input gets a role, for outputs that work on any inputs
//    (report's machine tags, the perfetto export);
//  - hostAndGuests(): strict, for analyses that need exactly one host and its guests (sync-check,
//    vcpu-stat), a usage error saying what is wrong otherwise.
// Pure: only the options the reader already decoded.

import { UsageError } from "../errors.ts";
import type { GuestInfo } from "../tracedat/reader/options.ts";

/** What a role is decided from: the input path (for messages) and two of the file's options. */
export interface RoleInput {
  path: string;
  dat: { options: { guests: readonly GuestInfo[]; traceId?: bigint } };
}

/** A guest as a host knows it: its name and the host thread that runs each vCPU. */
export interface GuestVcpuThreads {
  name: string;
  hostTids: ReadonlyMap<number, number>;
}

export type MachineRole = { kind: "file" } | { kind: "host"; guests: readonly GuestVcpuThreads[] } | ({ kind: "guest" } & GuestVcpuThreads);

/**
 * A file with GUEST options is a host, even when another host names it too (its GUEST options are
 * the only source of the vCPU threads it runs); a file whose trace id some host names is that
 * guest; any other file is a plain one.
 */
export function machineRoles(inputs: readonly RoleInput[]): MachineRole[] {
  const guestByTraceId = new Map(inputs.flatMap((i) => i.dat.options.guests).map((g) => [g.traceId, g]));
  return inputs.map((input): MachineRole => {
    const { guests, traceId } = input.dat.options;
    if (guests.length > 0) return { kind: "host", guests };
    const asGuest = traceId === undefined ? undefined : guestByTraceId.get(traceId);
    return asGuest ? { kind: "guest", name: asGuest.name, hostTids: asGuest.hostTids } : { kind: "file" };
  });
}

export interface HostAndGuests {
  /** Index of the host file among the inputs. */
  host: number;
  /** Every other input, in input order, with the guest name the host's GUEST options give it. */
  guests: { index: number; name: string }[];
}

/** The one host and its guests among the inputs; a UsageError when the inputs are not such a set. */
export function hostAndGuests(inputs: readonly RoleInput[]): HostAndGuests {
  const roles = machineRoles(inputs);
  const hosts = indicesOf(roles, "host");
  if (hosts.length === 0) throw new UsageError("no host file among the inputs: none has a GUEST option (record host and guests with 'vtrace record -A', or join files with 'vtrace attach')");
  if (hosts.length > 1) throw new UsageError(`more than one host file: ${hosts.map((k) => `'${inputs[k]!.path}'`).join(" and ")} have GUEST options`);
  const host = hosts[0]!;
  // With one host, every guest role is one of its guests; a plain file is a stray.
  const guests = roles.flatMap((role, index) => {
    if (role.kind === "guest") return [{ index, name: role.name }];
    if (role.kind === "file") throw new UsageError(`'${inputs[index]!.path}' is not a guest of '${inputs[host]!.path}': its trace id is not in the host's GUEST options`);
    return [];
  });
  return { host, guests };
}

function indicesOf(roles: readonly MachineRole[], kind: MachineRole["kind"]): number[] {
  return roles.flatMap((role, index) => (role.kind === kind ? [index] : []));
}
