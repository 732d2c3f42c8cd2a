// `report`'s information-only modes (-e, --events, --event, --check-events, -f, -P, -E, --cpus,
// --first-event, --last-event, --stat, --uname, --version): pick the mode, then print it.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-read.c trace_report() and read_data_info().

import type { ByteSink } from "../../lib/byte-sink.ts";
import type { TraceDat } from "../../tracedat/reader/trace-dat.ts";
import { writeCpus } from "./cpus.ts";
import { writeEventFormats } from "./event-formats.ts";
import { checkEventsExitCode, writeEventList } from "./event-list.ts";
import { writeFileInfo } from "./file-info.ts";
import { writeFuncs } from "./funcs.ts";
import { infoMode, type InfoFlags, type InfoModeName } from "./mode.ts";
import { writePrintk } from "./printk.ts";

export { infoMode, type InfoFlags, type InfoModeName };

export interface InfoInput {
  /** The path as given with -i. */
  path: string;
  dat: TraceDat;
  /** --ts-offset, --ts2secs and --nodate of this file (only --first-event/--last-event print times). */
  userOffsetNs?: bigint;
  ts2secsHz?: number;
  noDate?: boolean;
}

/** The flags that shape a mode's text besides choosing it. */
export interface InfoSettings extends InfoFlags {
  /** -t: --first-event/--last-event times in ns. */
  t?: boolean;
  /** --raw-ts */
  rawTs?: boolean;
}

export interface InfoResult {
  /** 0, or EINVAL (22) from --check-events when a format was refused. */
  exitCode: number;
  /** For stderr: what trace-cmd warns about (a bad --event regex, a printk line it gives up on). */
  warnings: string[];
}

/**
 * Prints the mode for the -i files in order. Modes trace-cmd answers from inside its file loop
 * (all but --cpus and the read_data_info() ones) look at the first file only.
 */
export function writeInfo(mode: InfoModeName, inputs: readonly InfoInput[], out: ByteSink, settings: InfoSettings = {}): InfoResult {
  const first = inputs[0];
  if (!first) return { exitCode: 0, warnings: [] };
  const done = (warnings: string[] = []): InfoResult => ({ exitCode: 0, warnings });
  switch (mode) {
    case "endian":
      out.write(`file is ${first.dat.params.littleEndian ? "little" : "big"} endian and host is ${HOST_LITTLE_ENDIAN ? "little" : "big"} endian\n`);
      return done();
    case "events":
      return done(writeEventFormats(first.dat, undefined, out));
    case "event":
      return done(writeEventFormats(first.dat, settings.event ?? "", out));
    case "check-events":
      return { exitCode: checkEventsExitCode(first.dat), warnings: [] };
    case "funcs":
      writeFuncs(first.dat, out);
      return done();
    case "printk":
      return done(writePrintk(first.dat, out));
    case "event-list":
      writeEventList(first.dat, out);
      return done();
    case "cpus":
      writeCpus(inputs, { first: settings.firstEvent, last: settings.lastEvent, nsec: settings.t, rawTs: settings.rawTs }, out);
      return done();
    case "stat":
    case "uname":
    case "version":
      writeFileInfo(mode, inputs, out);
      return done();
  }
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
