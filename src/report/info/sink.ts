// Small helpers for writing info text: C strings (up to the first NUL, as printf("%s") stops) and bytes.
// Source of truth: printf("%s") / printf("%.*s") as trace-cmd 3.1.6 uses them on file data.

import { putBytes, type ByteSink } from "../../lib/byte-sink.ts";

/** The bytes up to (not including) the first NUL. */
export function cString(bytes: Uint8Array): Uint8Array {
  const nul = bytes.indexOf(0);
  return nul < 0 ? bytes : bytes.subarray(0, nul);
}

export function writeBytes(out: ByteSink, bytes: Uint8Array): void {
  out.room(bytes.length);
  putBytes(out, bytes);
}
