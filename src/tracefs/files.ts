// Small reads and writes of tracefs control files, with errors that name the file.

import { readFileSync } from "node:fs";
import { closeFd, O_APPEND, O_TRUNC, O_WRONLY, openFd, writeAll } from "../../ffi/fd.ts";
import { VtraceError } from "../errors.ts";

const encoder = new TextEncoder();

export function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new VtraceError(`cannot read '${path}': ${code}`, { path });
  }
}

/** The text of a file, or null when it is missing or cannot be read (EPERM on a locked-down kernel). */
export function readTextOrNull(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

export function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new VtraceError(`cannot read '${path}': ${code}`, { path });
  }
}

/** Writes a control file in one write(2), as tracefs expects; truncates unless append. */
export function writeText(path: string, text: string, append = false): void {
  const fd = openFd(path, O_WRONLY | (append ? O_APPEND : O_TRUNC));
  try {
    if (text.length > 0) writeAll(fd, encoder.encode(text));
  } finally {
    closeFd(fd);
  }
}
