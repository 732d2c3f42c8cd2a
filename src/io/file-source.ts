// A ByteSource over a file read with pread (readSync with a position), for the trace.dat reader.
// Source of truth: src/tracedat/reader/byte-source.ts.

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { VtraceError } from "../errors.ts";
import type { ByteSource } from "../tracedat/reader/byte-source.ts";

export interface FileSource extends ByteSource, Disposable {
  readonly path: string;
}

export function openFileSource(path: string): FileSource {
  const fd = openSync(path, "r");
  const size = fstatSync(fd).size;
  let closed = false;
  const readInto = (offset: number, into: Uint8Array): number => {
    const want = Math.max(0, Math.min(into.length, size - offset));
    let got = 0;
    while (got < want) {
      const n = readSync(fd, into, got, want - got, offset + got);
      if (n <= 0) break;
      got += n;
    }
    return got;
  };
  return {
    path,
    size,
    read(offset: number, length: number): Uint8Array {
      const out = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      const got = readInto(offset, out);
      return got === out.length ? out : out.subarray(0, got);
    },
    readInto,
    [Symbol.dispose]() {
      if (!closed) closeSync(fd);
      closed = true;
    },
  };
}

/** openFileSource() for a command's input: a failure is one line, "cannot open 'PATH': ENOENT". */
export function openInputFile(path: string): FileSource {
  try {
    return openFileSource(path);
  } catch (e) {
    throw new VtraceError(`cannot open '${path}': ${(e as { code?: string }).code ?? "error"}`, { file: path });
  }
}
