// A host + guests set as the analyses see it: which input is the host (its GUEST options name the
// guests and their vCPU threads), which inputs are which guest (by trace id), and one pass over the
// merged, decoded records of the set's top buffers, each tagged with the machine it came from.

import type { EventFormat } from "../events/format.ts";
import { EnvironmentError, UsageError, type VtraceError } from "../errors.ts";
import { buildFileContext } from "../report/catalog.ts";
import { initialHandles, type ReportInput } from "../report/handles.ts";
import { forEachMerged, openStreams } from "../report/streams.ts";
import { RecordDecoder, type DecodedRecord } from "./decoded-records.ts";
import type { GuestVcpus, RecordSource } from "./vcpu-states.ts";

export interface HostGuestSet {
  host: ReportInput;
  /** Every guest the host's GUEST options name, with the vCPU threads they list. */
  guests: GuestVcpus[];
  /** Guest name by input, for the inputs that are guest files of the set. */
  guestOf: Map<ReportInput, string>;
}

/** The set the inputs make; a clear error when they are not one, or when no vCPU thread is known. */
export function hostGuestSet(inputs: readonly ReportInput[]): HostGuestSet {
  const hosts = inputs.filter((i) => i.dat.options.guests.length > 0);
  if (hosts.length === 0) throw new UsageError("no host file among the inputs: none has a GUEST option (record host and guests with 'vtrace record -A', or join files with 'vtrace attach')");
  if (hosts.length > 1) throw new UsageError(`give one host file: ${hosts.map((h) => `'${h.path}'`).join(" and ")} both have GUEST options`);
  const host = hosts[0]!;
  const byTraceId = new Map(host.dat.options.guests.map((g) => [g.traceId, g.name]));
  const guestOf = new Map<ReportInput, string>();
  for (const input of inputs) {
    if (input === host) continue;
    const name = input.dat.options.traceId === undefined ? undefined : byTraceId.get(input.dat.options.traceId);
    if (name === undefined) throw new UsageError(`'${input.path}' is not a guest file of '${host.path}': its trace id is not in the host's GUEST options`);
    guestOf.set(input, name);
  }
  const traced = new Set(guestOf.values());
  const guests = host.dat.options.guests.map((g) => ({ name: g.name, hostTids: g.hostTids, traced: traced.has(g.name) }));
  const unnamed = guests.filter((g) => g.hostTids.size === 0).map((g) => g.name);
  if (unnamed.length === guests.length) {
    const g = unnamed[0]!;
    throw new EnvironmentError(
      `'${host.path}' knows no vCPU thread of ${unnamed.map((n) => `'${n}'`).join(", ")}: start QEMU with -name guest=${g},debug-threads=on (libvirt does) and record again, or name the threads with 'vtrace attach --vcpus TID,...'`,
    );
  }
  return { host, guests: guests.filter((g) => g.hostTids.size > 0), guestOf };
}

/**
 * Visits the set's records in merged time order (the report's times), decoded, with their machine.
 * Records of other inputs' buffer instances are not read. Returns the first read error, after
 * everything readable was visited.
 */
export function forEachSetRecord(
  inputs: ReportInput[],
  set: HostGuestSet,
  visit: (source: RecordSource, r: DecodedRecord) => void,
  withFields?: (event: EventFormat) => boolean,
): VtraceError | undefined {
  const contexts = inputs.map((i) => buildFileContext(i.dat));
  const { handles } = initialHandles(inputs, contexts, "file");
  const streams = openStreams(handles, { rawTs: false });
  const sources = new Map<ReportInput, RecordSource>();
  sources.set(set.host, { kind: "host" });
  for (const [input, name] of set.guestOf) sources.set(input, { kind: "guest", name });
  const decoder = new RecordDecoder();
  return forEachMerged(streams, (s) => {
    const source = sources.get(s.handle.input);
    if (source) visit(source, decoder.decode(s, withFields));
    return true;
  });
}

/** Warnings the set's files gave while read (formats that did not parse, odd options). */
export function setWarnings(inputs: readonly ReportInput[]): string[] {
  return inputs.flatMap((i) => i.dat.options.warnings);
}
