// Record bytes of a merged stream → named events with their fields as values: what the analyses of
// the merged timeline (vCPU states) and the Perfetto export read instead of the report's text.

import type { EventFormat } from "../events/format.ts";
import { exitReasonName } from "../events/plugins/kvm.ts";
import { compileFieldsReader, type FieldsReader } from "../export/perfetto/field-values.ts";
import type { Args } from "../export/perfetto/chrome-event.ts";
import type { FileContext } from "../report/catalog.ts";
import type { Handle } from "../report/handles.ts";
import type { RecordStream } from "../report/streams.ts";

export interface DecodedRecord {
  /** Report time (TIME_SHIFT, TSC2NSEC, offsets applied): ns, or clock ticks for counter clocks. */
  tsNs: bigint;
  cpu: number;
  /** Event system and name; for a record without a known format, what names it instead. */
  system: string;
  name: string;
  commonPid: number;
  /** The comm of commonPid, as the text report shows it. */
  comm: string;
  fields: Args;
  /** Lost events just before this record: 0 none, > 0 how many, < 0 an unknown number. */
  missed: number;
  /** kvm:kvm_exit only: the exit reason's name, as the report prints it ("HLT", "EXIT_NPF"). */
  exitReason?: string;
}

/** One compiled field reader per event format. */
export class RecordDecoder {
  readonly #readers = new Map<EventFormat, FieldsReader>();

  /** The record `s` is at; `withFields` says which events' fields to read (default: all). */
  decode(s: RecordStream, withFields?: (event: EventFormat) => boolean): DecodedRecord {
    const r = s.records;
    const ctx = s.handle.ctx;
    const event = ctx.event(r.commonType);
    const payload = r.page.subarray(r.payloadOffset, r.payloadOffset + r.payloadSize);
    const fields = event && (!withFields || withFields(event)) ? this.#reader(event, s.handle)(payload) : {};
    if (event) learnComms(ctx, event, fields);
    const record: DecodedRecord = {
      tsNs: typeof s.ts === "bigint" ? s.ts : BigInt(s.ts),
      cpu: s.cpu,
      system: event?.system ?? "unknown",
      name: event?.name ?? `unknown event ${r.commonType}`,
      commonPid: r.commonPid,
      comm: ctx.comms.comm(r.commonPid),
      fields,
      missed: r.missed,
    };
    if (event?.name === "kvm_exit" && event.system === "kvm") record.exitReason = exitReasonOf(fields);
    return record;
  }

  #reader(event: EventFormat, h: Handle): FieldsReader {
    let reader = this.#readers.get(event);
    if (!reader) {
      const { params } = h.input.dat;
      this.#readers.set(event, (reader = compileFieldsReader(event, { littleEndian: params.littleEndian, longSize: params.longSize })));
    }
    return reader;
  }

}

/** The name the report prints after "reason " (the kvm plugin's tables), so vcpu-stat and the report agree. */
function exitReasonOf(f: Args): string {
  const toBig = (v: unknown) => (typeof v === "number" ? BigInt(v) : typeof v === "bigint" ? v : undefined);
  const reason = toBig(f.exit_reason);
  // The plugin reads the (32-bit) reason signed.
  return reason === undefined ? `reason ${String(f.exit_reason)}` : exitReasonName(BigInt.asIntN(32, reason), toBig(f.isa));
}

/** As libtraceevent's sched plugin does for the text report: comms seen in sched events name pids. */
function learnComms(ctx: FileContext, event: EventFormat, f: Args): void {
  if (event.system !== "sched") return;
  const learn = (pid: unknown, comm: unknown) => typeof pid === "number" && typeof comm === "string" && ctx.comms.learn(pid, comm);
  if (event.name === "sched_switch") {
    learn(f.prev_pid, f.prev_comm);
    learn(f.next_pid, f.next_comm);
  } else if (event.name.startsWith("sched_wak")) learn(f.pid, f.comm);
}
