import { describe, expect, test } from "bun:test";
import { MSG_COMMANDS, MSG_MAX_DATA_LEN, MSG_MAX_LEN } from "../../../src/msg/commands.ts";
import { decodeFrame, encodeFrame, FrameReader, peekFrame } from "../../../src/msg/frame.ts";
import { decodeMessage, encodeMessage, type Message, sendDataMessages } from "../../../src/msg/messages.ts";
import { FormatError, VtraceError } from "../../../src/errors.ts";
import { hex } from "../../helpers/hex.ts";

// Golden bytes, field by field, as trace-cmd 3.1.6 writes them (big-endian header: size, cmd, cmd_size).
const GOLDEN: { msg: Message; bytes: string }[] = [
  { msg: { cmd: "CLOSE" }, bytes: "00 00 00 0c  00 00 00 00  00 00 00 00" },
  {
    msg: { cmd: "TINIT", cpus: 2, pageSize: 4096, options: ["tcp"] },
    bytes: "00 00 00 1c  00 00 00 01  00 00 00 0c   00 00 00 02  00 00 10 00  00 00 00 01   74 63 70 00",
  },
  { msg: { cmd: "TINIT", cpus: 4, pageSize: 4096, options: [] }, bytes: "00 00 00 18 00 00 00 01 00 00 00 0c 00 00 00 04 00 00 10 00 00 00 00 00" },
  {
    // trace-cmd's RINIT for 2 CPUs is 26 bytes: 12 header + u32 cpus + each port as a NUL-ended decimal string
    msg: { cmd: "RINIT", cpus: 2, ports: [1500, 1501] },
    bytes: "00 00 00 1a  00 00 00 02  00 00 00 04   00 00 00 02   31 35 30 30 00  31 35 30 31 00",
  },
  { msg: { cmd: "SEND_DATA", data: new Uint8Array([1, 2, 3]) }, bytes: "00 00 00 0f 00 00 00 03 00 00 00 00 01 02 03" },
  { msg: { cmd: "FIN_DATA" }, bytes: "00 00 00 0c 00 00 00 04 00 00 00 00" },
  { msg: { cmd: "NOT_SUPP" }, bytes: "00 00 00 0c 00 00 00 05 00 00 00 00" },
  {
    msg: { cmd: "TRACE_REQ", flags: 1, traceId: 0x1122334455667788n, args: ["-e", "sched"], tsyncProtos: ["kvm"] },
    bytes: `00 00 00 3e  00 00 00 06  00 00 00 10
            00 00 00 01  00 00 00 00  11 22 33 44 55 66 77 88        # flags, argc 0, trace id
            00 00 00 00  00 00 00 0d  00 00 00 02 2d 65 00 73 63 68 65 64 00   # ARGS: argc 2
            00 00 00 01  00 00 00 05  6b 76 6d 00 00                # TSYNC_PROTOS + extra NUL`,
  },
  {
    msg: { cmd: "TRACE_RESP", flags: 1, cpus: 1, pageSize: 4096, traceId: 7n, tsyncProto: "kvm", tsyncPort: 0, ports: [0] },
    bytes: `00 00 00 36  00 00 00 07  00 00 00 28
            00 00 00 01  00 00 00 01  00 00 10 00  00 00 00 00 00 00 00 07
            6b 76 6d 00 00 00 00 00 00 00 00 00 00 00 00 00   00 00 00 00
            30 00`,
  },
  { msg: { cmd: "CLOSE_RESP" }, bytes: "00 00 00 0c 00 00 00 08 00 00 00 00" },
  {
    msg: { cmd: "TIME_SYNC", proto: "none", msgId: 1, payload: new Uint8Array([0, 0]) },
    bytes: "00 00 00 22 00 00 00 09 00 00 00 14  6e 6f 6e 65 00 00 00 00 00 00 00 00 00 00 00 00  00 00 00 01  00 00",
  },
  {
    msg: { cmd: "TRACE_PROXY", flags: 0, traceId: 1n, cpus: 2, siblings: 3, args: undefined, tsyncProtos: undefined },
    bytes: "00 00 00 24 00 00 00 0a 00 00 00 18  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01  00 00 00 02 00 00 00 03",
  },
  { msg: { cmd: "CONT" }, bytes: "00 00 00 0c 00 00 00 0b 00 00 00 00" },
];

describe("encodeMessage() / decodeMessage()", () => {
  test.each(GOLDEN)("$msg.cmd matches trace-cmd's bytes and round-trips", ({ msg, bytes }) => {
    const want = hex(bytes);
    expect(encodeMessage(msg)).toEqual(want);
    expect(decodeMessage(want)).toEqual(msg);
  });

  test("every command in the table has a golden vector", () => {
    expect(new Set(GOLDEN.map((g) => g.msg.cmd))).toEqual(new Set(MSG_COMMANDS.map((c) => c.name)));
  });

  test("a larger cmd_size from a newer peer is skipped; a smaller one leaves zeros", () => {
    // RINIT with an 8-byte fixed struct (4 unknown bytes), body "9\0"
    const newer = hex("00 00 00 16 00 00 00 02 00 00 00 08  00 00 00 01 de ad be ef  39 00");
    expect(decodeMessage(newer)).toEqual({ cmd: "RINIT", cpus: 1, ports: [9] });
    const older = hex("00 00 00 0c 00 00 00 09 00 00 00 00");
    expect(decodeMessage(older)).toEqual({ cmd: "TIME_SYNC", proto: "", msgId: 0, payload: new Uint8Array(0) });
  });

  test("sendDataMessages() cuts data into 8180-byte payloads", () => {
    const data = new Uint8Array(MSG_MAX_DATA_LEN * 2 + 5).map((_, i) => i & 0xff);
    const msgs = [...sendDataMessages(data)];
    expect(msgs.map((m) => m.length)).toEqual([MSG_MAX_LEN, MSG_MAX_LEN, 12 + 5]);
    const back = msgs.flatMap((m) => [...(decodeMessage(m) as { data: Uint8Array }).data]);
    expect(new Uint8Array(back)).toEqual(data);
  });
});

describe("bad frames", () => {
  test.each([
    ["size below the header", "00 00 00 0b 00 00 00 00 00 00 00 00", "invalid message size 11"],
    ["size above 8192", "00 00 20 01 00 00 00 03 00 00 00 00", "invalid message size 8193"],
    ["cmd_size past the end", "00 00 00 0c 00 00 00 01 00 00 00 0c", "cmd_size 12 exceeds"],
    ["unknown command", "00 00 00 0c 00 00 00 0c 00 00 00 00", "unknown message command 12"],
    ["TINIT with zero cpus", "00 00 00 18 00 00 00 01 00 00 00 0c 00 00 00 00 00 00 10 00 00 00 00 00", "invalid cpu count 0"],
    ["TINIT option without NUL", "00 00 00 1b 00 00 00 01 00 00 00 0c 00 00 00 01 00 00 10 00 00 00 00 01 74 63 70", "not NUL-terminated"],
    ["RINIT port that is not a number", "00 00 00 13 00 00 00 02 00 00 00 04 00 00 00 01 78 79 00", "invalid port 'xy'"],
    ["RINIT with fewer ports than cpus", "00 00 00 13 00 00 00 02 00 00 00 04 00 00 00 02 31 32 00", "expected 2 strings"],
  ])("%s is a FormatError", (_, bytes, message) => {
    expect(() => decodeMessage(hex(bytes))).toThrow(FormatError);
    expect(() => decodeMessage(hex(bytes))).toThrow(message);
  });

  test("encodeFrame() refuses a message over 8192 bytes", () => {
    expect(() => encodeFrame(3, new Uint8Array(0), new Uint8Array(MSG_MAX_DATA_LEN + 1))).toThrow("message too large");
  });

  test("peekFrame() asks for more until the frame is whole", () => {
    const m = hex(GOLDEN[1]!.bytes);
    for (let cut = 0; cut < m.length; cut++) expect(peekFrame(m.subarray(0, cut))).toEqual({ kind: "more" });
    expect(peekFrame(m)).toEqual({ kind: "frame", size: m.length });
    expect(decodeFrame(m).body).toEqual(hex("74 63 70 00"));
  });
});

describe("FrameReader", () => {
  const stream = new Uint8Array(GOLDEN.flatMap((g) => [...hex(g.bytes)]));
  test.each([1, 2, 7, 4096])("reassembles all messages from %i-byte chunks", (n) => {
    const r = new FrameReader();
    const frames: Uint8Array[] = [];
    for (let at = 0; at < stream.length; at += n) frames.push(...r.push(stream.subarray(at, at + n)));
    expect(frames.map(decodeMessage)).toEqual(GOLDEN.map((g) => g.msg));
    expect(r.pendingBytes).toBe(0);
  });
});

describe("property: random valid messages round-trip", () => {
  function rng(seed: number) {
    return () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  }
  const word = (r: () => number) => Array.from({ length: 1 + Math.floor(r() * 8) }, () => String.fromCharCode(97 + Math.floor(r() * 26))).join("");
  function randomMessage(r: () => number): Message {
    const u32 = () => Math.floor(r() * 2 ** 32);
    const cpus = 1 + Math.floor(r() * 64);
    const names = () => Array.from({ length: Math.floor(r() * 4) }, () => word(r));
    switch (Math.floor(r() * 6)) {
      case 0:
        return { cmd: "TINIT", cpus, pageSize: 4096 * (1 + Math.floor(r() * 16)), options: names() };
      case 1:
        return { cmd: "RINIT", cpus, ports: Array.from({ length: cpus }, () => Math.floor(r() * 65536)) };
      case 2:
        return { cmd: "SEND_DATA", data: new Uint8Array(Math.floor(r() * MSG_MAX_DATA_LEN)).map(() => u32() & 0xff) };
      case 3: {
        const a = names();
        const t = names();
        return { cmd: "TRACE_REQ", flags: u32(), traceId: BigInt(u32()) << 32n, args: a.length ? a : undefined, tsyncProtos: t.length ? t : undefined };
      }
      case 4:
        return { cmd: "TRACE_RESP", flags: u32(), cpus, pageSize: 4096, traceId: BigInt(u32()), tsyncProto: word(r), tsyncPort: u32() & 0xffff, ports: Array.from({ length: cpus }, () => u32() & 0xffff) };
      default:
        return { cmd: "TIME_SYNC", proto: word(r), msgId: u32(), payload: new Uint8Array(Math.floor(r() * 64)).map(() => u32() & 0xff) };
    }
  }
  test("2000 seeded messages", () => {
    const r = rng(42);
    for (let i = 0; i < 2000; i++) {
      const m = randomMessage(r);
      expect(decodeMessage(encodeMessage(m))).toEqual(m);
    }
  });

  test("mutated frames decode or fail with a VtraceError, never anything else", () => {
    const r = rng(7);
    for (let i = 0; i < 5000; i++) {
      const bytes = encodeMessage(randomMessage(r)).slice();
      for (let k = 0; k < 1 + Math.floor(r() * 4); k++) bytes[Math.floor(r() * bytes.length)] = Math.floor(r() * 256);
      const cut = r() < 0.3 ? bytes.subarray(0, Math.floor(r() * bytes.length)) : bytes;
      try {
        decodeMessage(cut);
      } catch (e) {
        if (!(e instanceof VtraceError)) throw new Error(`seed 7 case ${i}: ${e}`);
      }
    }
  });
});
