// Random-access bytes the trace.dat reader pulls from: a file (src/io/file-source.ts) or memory.
// Large inputs come in as a ByteSource, never as one array.

export interface ByteSource {
  /** Total length in bytes. */
  readonly size: number;
  /** Up to `length` bytes at `offset`; shorter only at the end of the source. */
  read(offset: number, length: number): Uint8Array;
  /** Optional: fills `into` from `offset` (reusing the caller's buffer); returns the bytes read. */
  readInto?(offset: number, into: Uint8Array): number;
}

/** A ByteSource over bytes already in memory (tests, fuzzing, small files). */
export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length)),
  };
}
