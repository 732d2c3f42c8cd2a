// A host + guests set as the analyses see it: which input is the host (its GUEST options name the
// guests and their vCPU threads), which inputs are which guest (by trace id), and one pass over the
// merged, decoded records of the set's top buffers, each tagged with the machine it came from.

import type { EventFormat } from "../events/format.ts";
import { EnvironmentError, type VtraceError } from "../errors.ts";
import { hostAndGuests } from "../merge/machine-roles.ts";
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
  const indices = hostAndGuests(inputs);
  const host = inputs[indices.host]!;
  const guestOf = new Map(indices.guests.map(({ index, name }) => [inputs[index]!, name]));
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
