// TRACE_REQ / TRACE_PROXY body: a sequence of {be32 id, be32 length, value} parameters
// (trace-cmd 3.1.6 make_trace_req_args / make_trace_req_protos). Unknown ids are skipped.

import { FormatError } from "../errors.ts";
import { concatBytes } from "../lib/writer.ts";
import { decodeCStrings, encodeCStrings } from "./strings.ts";

export const TRACE_REQUEST_ARGS = 0;
export const TRACE_REQUEST_TSYNC_PROTOS = 1;

export function encodeTraceReqParams(args: readonly string[] | undefined, tsyncProtos: readonly string[] | undefined): Uint8Array {
  const parts: Uint8Array[] = [];
  if (args && args.length > 0) {
    const strings = encodeCStrings(args);
    const value = new Uint8Array(4 + strings.length);
    new DataView(value.buffer).setUint32(0, args.length);
    value.set(strings, 4);
    parts.push(param(TRACE_REQUEST_ARGS, value));
  }
  if (tsyncProtos && tsyncProtos.length > 0) {
    const strings = encodeCStrings(tsyncProtos);
    const value = new Uint8Array(strings.length + 1); // one extra NUL ends the list
    value.set(strings);
    parts.push(param(TRACE_REQUEST_TSYNC_PROTOS, value));
  }
  return concatBytes(parts);
}

function param(id: number, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + value.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, id);
  dv.setUint32(4, value.length);
  out.set(value, 8);
  return out;
}

export function decodeTraceReqParams(body: Uint8Array): { args: string[] | undefined; tsyncProtos: string[] | undefined } {
  let args: string[] | undefined;
  let tsyncProtos: string[] | undefined;
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let at = 0;
  while (body.length - at >= 8) {
    const id = dv.getUint32(at);
    const length = dv.getUint32(at + 4);
    if (length > body.length - at - 8) throw new FormatError(`TRACE_REQ parameter ${id}: length ${length} overruns the message`, { id, length });
    const value = body.subarray(at + 8, at + 8 + length);
    if (id === TRACE_REQUEST_ARGS) args = decodeArgs(value);
    else if (id === TRACE_REQUEST_TSYNC_PROTOS) tsyncProtos = decodeCStrings(value, undefined, "tsync protocols").filter((s) => s !== "");
    at += 8 + length;
  }
  return { args, tsyncProtos };
}

function decodeArgs(value: Uint8Array): string[] {
  if (value.length < 4) throw new FormatError("TRACE_REQ arguments: missing argc");
  const argc = new DataView(value.buffer, value.byteOffset, 4).getUint32(0);
  if (argc > value.length) throw new FormatError(`TRACE_REQ arguments: argc ${argc} is impossible`, { argc });
  return decodeCStrings(value.subarray(4), argc, "TRACE_REQ arguments");
}
