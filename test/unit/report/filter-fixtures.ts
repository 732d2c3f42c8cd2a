// Event formats and record bytes for the filter unit tests.
import { parseEventFormat, type EventFormat } from "../../../src/events/format.ts";
import { fieldLookup } from "../../../src/report/filter/filter-set.ts";
import { formatFile } from "../../helpers/v6-file.ts";

const td = new TextDecoder();

export const SCHED_SWITCH = parseEventFormat(
  td.decode(
    formatFile(
      "sched_switch",
      372,
      [
        "\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;",
        "\tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;",
        "\tfield:int prev_prio;\toffset:28;\tsize:4;\tsigned:1;",
        "\tfield:long prev_state;\toffset:32;\tsize:8;\tsigned:1;",
        "\tfield:char next_comm[16];\toffset:40;\tsize:16;\tsigned:0;",
        "\tfield:pid_t next_pid;\toffset:56;\tsize:4;\tsigned:1;",
        "\tfield:int next_prio;\toffset:60;\tsize:4;\tsigned:1;",
      ].join("\n"),
      `"prev_comm=%s", REC->prev_comm`,
    ),
  ),
  "sched",
);

export const PROCESS_EXEC = parseEventFormat(
  td.decode(
    formatFile(
      "sched_process_exec",
      365,
      [
        "\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;",
        "\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;",
        "\tfield:pid_t old_pid;\toffset:16;\tsize:4;\tsigned:1;",
      ].join("\n"),
      `"filename=%s", __get_str(filename)`,
    ),
  ),
  "sched",
);

/** The field lookup filter-set.ts gives the parser, for an 8-byte-long kernel. */
export const lookupIn = (format: EventFormat) => fieldLookup(format, 8);

export interface SwitchRecord {
  pid: number;
  prevComm: string;
  prevPid: number;
  prevPrio: number;
  prevState: bigint;
  nextComm: string;
  nextPid: number;
  nextPrio: number;
}

/** A little-endian sched_switch payload at offset 8 of a page. */
export function switchPage(r: SwitchRecord): Uint8Array {
  const page = new Uint8Array(8 + 64);
  const v = new DataView(page.buffer, 8);
  v.setUint16(0, 372, true);
  v.setInt32(4, r.pid, true);
  page.set(new TextEncoder().encode(r.prevComm).subarray(0, 16), 8 + 8);
  v.setInt32(24, r.prevPid, true);
  v.setInt32(28, r.prevPrio, true);
  v.setBigInt64(32, r.prevState, true);
  page.set(new TextEncoder().encode(r.nextComm).subarray(0, 16), 8 + 40);
  v.setInt32(56, r.nextPid, true);
  v.setInt32(60, r.nextPrio, true);
  return page;
}

/** A sched_process_exec payload at offset 0 with its filename (NUL included) after the fixed fields. */
export function execPage(filename: string, nul = true): Uint8Array {
  const name = new TextEncoder().encode(filename);
  const len = name.length + (nul ? 1 : 0);
  const page = new Uint8Array(20 + len + 8);
  const v = new DataView(page.buffer);
  v.setUint16(0, 365, true);
  v.setUint32(8, (len << 16) | 20, true);
  page.set(name, 20);
  page.fill(0x41, 20 + len); // what follows the data is not a NUL
  return page;
}
