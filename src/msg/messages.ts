// Typed trace-msg v3 messages and their encoders/decoders (trace-cmd 3.1.6 trace-msg.c).
// Pure.

import { FormatError } from "../errors.ts";
import { commandByName, MSG_COMMANDS, MSG_MAX_DATA_LEN, TRACECMD_TSYNC_PNAME_LENGTH } from "./commands.ts";
import { decodeFrame, encodeFrame } from "./frame.ts";
import { decodeTraceReqParams, encodeTraceReqParams } from "./trace-req-params.ts";
import { decodeCStrings, decodeFixedName, decodePorts, encodeCStrings, encodeFixedName } from "./strings.ts";

export type Message =
  | { cmd: "CLOSE" }
  | { cmd: "TINIT"; cpus: number; pageSize: number; options: string[] }
  | { cmd: "RINIT"; cpus: number; ports: number[] }
  | { cmd: "SEND_DATA"; data: Uint8Array }
  | { cmd: "FIN_DATA" }
  | { cmd: "NOT_SUPP" }
  | { cmd: "TRACE_REQ"; flags: number; traceId: bigint; args: string[] | undefined; tsyncProtos: string[] | undefined }
  | { cmd: "TRACE_RESP"; flags: number; cpus: number; pageSize: number; traceId: bigint; tsyncProto: string; tsyncPort: number; ports: number[] }
  | { cmd: "CLOSE_RESP" }
  | { cmd: "TIME_SYNC"; proto: string; msgId: number; payload: Uint8Array }
  | {
      cmd: "TRACE_PROXY";
      flags: number;
      traceId: bigint;
      cpus: number;
      siblings: number;
      args: string[] | undefined;
      tsyncProtos: string[] | undefined;
    }
  | { cmd: "CONT" };

export type MessageOf<N extends Message["cmd"]> = Extract<Message, { cmd: N }>;

function fixed(size: number, fill: (dv: DataView, bytes: Uint8Array) => void): Uint8Array {
  const bytes = new Uint8Array(size);
  fill(new DataView(bytes.buffer), bytes);
  return bytes;
}

const EMPTY = new Uint8Array(0);

export function encodeMessage(m: Message): Uint8Array {
  const id = commandByName(m.cmd).id;
  switch (m.cmd) {
    case "CLOSE":
    case "FIN_DATA":
    case "NOT_SUPP":
    case "CLOSE_RESP":
    case "CONT":
      return encodeFrame(id, EMPTY);
    case "TINIT":
      return encodeFrame(
        id,
        fixed(12, (dv) => {
          dv.setUint32(0, m.cpus);
          dv.setUint32(4, m.pageSize);
          dv.setUint32(8, m.options.length);
        }),
        encodeCStrings(m.options),
      );
    case "RINIT":
      return encodeFrame(id, fixed(4, (dv) => dv.setUint32(0, m.cpus)), encodeCStrings(m.ports.map(String)));
    case "SEND_DATA":
      return encodeFrame(id, EMPTY, m.data);
    case "TRACE_REQ":
      return encodeFrame(id, traceReqFixed(m.flags, m.traceId, 16), encodeTraceReqParams(m.args, m.tsyncProtos));
    case "TRACE_PROXY": {
      const f = traceReqFixed(m.flags, m.traceId, 24);
      const dv = new DataView(f.buffer);
      dv.setUint32(16, m.cpus);
      dv.setUint32(20, m.siblings);
      return encodeFrame(id, f, encodeTraceReqParams(m.args, m.tsyncProtos));
    }
    case "TRACE_RESP":
      return encodeFrame(
        id,
        fixed(40, (dv, b) => {
          dv.setUint32(0, m.flags);
          dv.setUint32(4, m.cpus);
          dv.setUint32(8, m.pageSize);
          dv.setBigUint64(12, m.traceId);
          b.set(encodeFixedName(m.tsyncProto, TRACECMD_TSYNC_PNAME_LENGTH), 20);
          dv.setUint32(36, m.tsyncPort);
        }),
        encodeCStrings(m.ports.map(String)),
      );
    case "TIME_SYNC":
      return encodeFrame(
        id,
        fixed(20, (dv, b) => {
          b.set(encodeFixedName(m.proto, TRACECMD_TSYNC_PNAME_LENGTH), 0);
          dv.setUint32(16, m.msgId);
        }),
        m.payload,
      );
  }
}

function traceReqFixed(flags: number, traceId: bigint, size: number): Uint8Array {
  return fixed(size, (dv) => {
    dv.setUint32(0, flags);
    dv.setUint32(4, 0); // argc: trace-cmd always sends 0 here and puts args in the params
    dv.setBigUint64(8, traceId);
  });
}

/** Decodes one whole frame into a typed message; bad contents are a FormatError. */
export function decodeMessage(frameBytes: Uint8Array): Message {
  const f = decodeFrame(frameBytes);
  const dv = new DataView(f.fixed.buffer, f.fixed.byteOffset, f.fixed.byteLength);
  const name = MSG_COMMANDS[f.cmd]!.name;
  switch (name) {
    case "CLOSE":
    case "FIN_DATA":
    case "NOT_SUPP":
    case "CLOSE_RESP":
    case "CONT":
      return { cmd: name };
    case "TINIT":
      return decodeTinit(dv, f.body);
    case "RINIT": {
      const cpus = dv.getUint32(0);
      return { cmd: "RINIT", cpus, ports: decodePorts(f.body, cpus, "RINIT ports") };
    }
    case "SEND_DATA":
      if (f.body.length > MSG_MAX_DATA_LEN) throw new FormatError("SEND_DATA too large");
      return { cmd: "SEND_DATA", data: f.body };
    case "TRACE_REQ":
      return { cmd: "TRACE_REQ", flags: dv.getUint32(0), traceId: dv.getBigUint64(8), ...decodeTraceReqParams(f.body) };
    case "TRACE_PROXY":
      return {
        cmd: "TRACE_PROXY",
        flags: dv.getUint32(0),
        traceId: dv.getBigUint64(8),
        cpus: dv.getUint32(16),
        siblings: dv.getUint32(20),
        ...decodeTraceReqParams(f.body),
      };
    case "TRACE_RESP": {
      const cpus = dv.getUint32(4);
      return {
        cmd: "TRACE_RESP",
        flags: dv.getUint32(0),
        cpus,
        pageSize: dv.getUint32(8),
        traceId: dv.getBigUint64(12),
        tsyncProto: decodeFixedName(f.fixed.subarray(20, 36)),
        tsyncPort: dv.getUint32(36),
        ports: decodePorts(f.body, cpus, "TRACE_RESP ports"),
      };
    }
    case "TIME_SYNC":
      return { cmd: "TIME_SYNC", proto: decodeFixedName(f.fixed.subarray(0, 16)), msgId: dv.getUint32(16), payload: f.body };
  }
}

function decodeTinit(dv: DataView, body: Uint8Array): MessageOf<"TINIT"> {
  const cpus = dv.getUint32(0);
  const pageSize = dv.getUint32(4);
  const optNum = dv.getUint32(8);
  if (cpus === 0 || cpus > 4096) throw new FormatError(`TINIT: invalid cpu count ${cpus}`, { cpus });
  if (pageSize === 0 || pageSize > 1 << 20 || pageSize % 512 !== 0) throw new FormatError(`TINIT: invalid page size ${pageSize}`, { pageSize });
  if (body.length > 0 && body[body.length - 1] !== 0) throw new FormatError("TINIT: options are not NUL-terminated");
  return { cmd: "TINIT", cpus, pageSize, options: decodeCStrings(body, optNum, "TINIT options") };
}

/** Splits data into SEND_DATA messages of at most MSG_MAX_DATA_LEN bytes. */
export function* sendDataMessages(data: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < data.length; at += MSG_MAX_DATA_LEN) {
    yield encodeMessage({ cmd: "SEND_DATA", data: data.subarray(at, at + MSG_MAX_DATA_LEN) });
  }
}
