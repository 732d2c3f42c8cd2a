// trace-msg v3 framing: be32 size (total, header included), be32 cmd, be32 cmd_size, then the
// fixed command struct and a variable body. Pure: bytes in, bytes out.
// Forward compatibility as trace-cmd reads it: a larger cmd_size is read and its excess skipped;
// a smaller one leaves the rest of the known struct zero.

import { FormatError, TruncatedError } from "../errors.ts";
import { commandById, MSG_HDR_LEN, MSG_MAX_LEN } from "./commands.ts";

export interface Frame {
  cmd: number;
  /** The fixed struct, exactly the size this side knows (zero-filled or cut). */
  fixed: Uint8Array;
  body: Uint8Array;
}

export type Peek = { kind: "more" } | { kind: "frame"; size: number };

/** Whether `buf` starts with a whole frame; throws FormatError on an impossible header. */
export function peekFrame(buf: Uint8Array): Peek {
  if (buf.length < MSG_HDR_LEN) return { kind: "more" };
  const dv = new DataView(buf.buffer, buf.byteOffset, MSG_HDR_LEN);
  const size = dv.getUint32(0);
  const cmd = dv.getUint32(4);
  const cmdSize = dv.getUint32(8);
  if (size < MSG_HDR_LEN || size > MSG_MAX_LEN) {
    throw new FormatError(`invalid message size ${size}: must be ${MSG_HDR_LEN}..${MSG_MAX_LEN}`, { size, cmd });
  }
  if (cmdSize > size - MSG_HDR_LEN) {
    throw new FormatError(`invalid message: cmd_size ${cmdSize} exceeds size ${size}`, { size, cmd, cmdSize });
  }
  return buf.length < size ? { kind: "more" } : { kind: "frame", size };
}

/** Decodes one whole frame (as peekFrame measured it). Unknown commands are a FormatError. */
export function decodeFrame(frame: Uint8Array): Frame {
  const peek = peekFrame(frame);
  if (peek.kind === "more") throw new TruncatedError(`message cut short: ${frame.length} bytes`, { have: frame.length });
  const dv = new DataView(frame.buffer, frame.byteOffset, MSG_HDR_LEN);
  const cmd = dv.getUint32(4);
  const cmdSize = dv.getUint32(8);
  const known = commandById(cmd);
  if (!known) throw new FormatError(`unknown message command ${cmd}`, { cmd });
  const fixed = new Uint8Array(known.fixedSize);
  fixed.set(frame.subarray(MSG_HDR_LEN, MSG_HDR_LEN + Math.min(cmdSize, known.fixedSize)));
  return { cmd, fixed, body: frame.subarray(MSG_HDR_LEN + cmdSize, peek.size) };
}

export function encodeFrame(cmd: number, fixed: Uint8Array, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const size = MSG_HDR_LEN + fixed.length + body.length;
  if (size > MSG_MAX_LEN) throw new FormatError(`message too large: ${size} bytes (max ${MSG_MAX_LEN})`, { cmd, size });
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, size);
  dv.setUint32(4, cmd);
  dv.setUint32(8, fixed.length);
  out.set(fixed, MSG_HDR_LEN);
  out.set(body, MSG_HDR_LEN + fixed.length);
  return out;
}

/** Splits a byte stream into frames; keeps the incomplete tail for the next chunk. */
export class FrameReader {
  #pending = new Uint8Array(0);

  push(chunk: Uint8Array): Uint8Array[] {
    let buf = this.#pending.length === 0 ? chunk : concat(this.#pending, chunk);
    const frames: Uint8Array[] = [];
    for (let p = peekFrame(buf); p.kind === "frame"; p = peekFrame(buf)) {
      frames.push(buf.slice(0, p.size));
      buf = buf.subarray(p.size);
    }
    this.#pending = buf.slice();
    return frames;
  }

  get pendingBytes(): number {
    return this.#pending.length;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
