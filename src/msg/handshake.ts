// The connection handshake of trace-cmd listen / record -N (trace-cmd 3.1.6 trace-listen.c
// communicate_with_client(), trace-record.c check_protocol_version()).
// Server: "tracecmd". Client: "-1V3\0". Server: "V3\0". Client: V3_MAGIC (8 bytes). Server: "OK".
// A client that sends a decimal CPU count instead speaks the v1 text protocol.

const enc = new TextEncoder();

export const SERVER_BANNER = enc.encode("tracecmd");
export const V3_CPU = enc.encode("-1V3\0");
export const V3_REPLY = enc.encode("V3\0");
/** "766679\0" as a C literal: with its implicit NUL, 8 bytes. */
export const V3_MAGIC = enc.encode("766679\0\0");
export const V3_OK = enc.encode("OK");

export type ClientHello =
  | { kind: "v3" }
  /** Another "-1V…" version: answer V3 and let the client retry. */
  | { kind: "other-version"; version: string }
  | { kind: "v1"; cpus: number }
  | { kind: "invalid"; reason: string };

/** Classifies the first NUL-terminated string a client sends. */
export function classifyHello(first: string): ClientHello {
  if (first === "-1V3") return { kind: "v3" };
  if (first.startsWith("-1V")) return { kind: "other-version", version: first.slice(2) };
  if (/^\d{1,5}$/.test(first) && Number(first) > 0) return { kind: "v1", cpus: Number(first) };
  return { kind: "invalid", reason: `unknown protocol greeting '${first.slice(0, 32)}'` };
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
