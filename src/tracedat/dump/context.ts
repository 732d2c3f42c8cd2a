// What one dump run carries from section to section: trace-cmd dump keeps these in file-scope
// globals (file_version, trace_cpus, has_clock, meta_strings, sections); here they live per run.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-dump.c.

import { FormatError } from "../../errors.ts";
import type { DumpInput } from "./dump-input.ts";
import type { DumpPrinter } from "./printer.ts";

/** A metadata section an option pointed at, dumped after the options (struct file_section). */
export interface PendingSection {
  id: number;
  offset: bigint;
  /** The items its header line shows with. */
  items: number;
}

export interface DumpContext {
  input: DumpInput;
  out: DumpPrinter;
  /** strtol() of the version string. */
  version: number;
  /** The v6 CPU count (dump_cpus_count()). */
  traceCpus: number;
  /** A TRACECLOCK option was seen, so the v6 flyrecord clock is read. */
  hasClock: boolean;
  /** v7 STRINGS sections, concatenated. */
  strings: Uint8Array;
  /** Newest first, as trace-cmd pushes them on a list. */
  sections: PendingSection[];
  /** Option sections already entered, so a DONE chain that loops fails instead of recursing forever. */
  optionSectionsSeen: Set<number>;
}

export const FILE_VERSION_SECTIONS = 7;

export function isSectioned(ctx: DumpContext): boolean {
  return ctx.version >= FILE_VERSION_SECTIONS;
}

/** die(): trace-cmd prints the message on stderr and exits; here it is an error naming the offset. */
export function dumpFailure(ctx: DumpContext, message: string): FormatError {
  return new FormatError(`${message} at offset ${ctx.input.pos}`, { offset: ctx.input.pos });
}
