// Opens a trace.dat: initial header, then the v6 or v7 body up to (not including) the event data.
// Source of truth: trace-cmd 3.1.6 tracecmd_alloc_fd() + tracecmd_read_headers().

import type { ByteSource } from "./byte-source.ts";
import { inStage } from "./error-context.ts";
import { decodeInitialHeader } from "./header.ts";
import type { TraceDat } from "./trace-dat.ts";
import { openV6 } from "./v6.ts";
import { openV7 } from "./v7.ts";

/** Stages: "header" here, then the body's "metadata", "options" and "buffers"; "data" is read later per cpu. */
export function openTraceDat(source: ByteSource): TraceDat {
  const header = inStage("header", () => decodeInitialHeader(source));
  return header.params.version === 7 ? openV7(source, header) : openV6(source, header);
}
