// compileFieldsReader(): every field kind of a tracefs format as a JSON arg, in both byte orders.
// Payload bytes are laid out by hand below, field by field, from the format's offsets.

import { describe, expect, test } from "bun:test";
import { compileFieldsReader } from "../../../src/export/perfetto/field-values.ts";
import { parseEventFormat } from "../../../src/events/format.ts";

const COMMON = `\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;
`;

const MIX = parseEventFormat(
  `name: mix
ID: 500
format:
${COMMON}
\tfield:s8 small;\toffset:8;\tsize:1;\tsigned:1;
\tfield:short medium;\toffset:10;\tsize:2;\tsigned:1;
\tfield:unsigned int word;\toffset:12;\tsize:4;\tsigned:0;
\tfield:u64 big;\toffset:16;\tsize:8;\tsigned:0;
\tfield:s64 neg;\toffset:24;\tsize:8;\tsigned:1;
\tfield:void * ptr;\toffset:32;\tsize:8;\tsigned:0;
\tfield:char comm[8];\toffset:40;\tsize:8;\tsigned:0;
\tfield:u16 ids[3];\toffset:48;\tsize:6;\tsigned:0;
\tfield:__data_loc char[] name;\toffset:56;\tsize:4;\tsigned:0;
\tfield:__rel_loc char[] rel;\toffset:60;\tsize:4;\tsigned:0;

print fmt: "x"
`,
  "test",
);

const PRINT = parseEventFormat(
  `name: print
ID: 5
format:
${COMMON}
\tfield:unsigned long ip;\toffset:8;\tsize:8;\tsigned:0;
\tfield:char buf[];\toffset:16;\tsize:0;\tsigned:1;

print fmt: "%ps: %s", (void *)REC->ip, REC->buf
`,
  "ftrace",
);

const te = new TextEncoder();

function mixPayload(le: boolean): Uint8Array {
  const name = te.encode("hello\0"); // at 64, 6 bytes
  const rel = te.encode("wörld\0"); // at 70, 7 bytes; __rel_loc counts from the field's end (64)
  const p = new Uint8Array(64 + name.length + rel.length);
  const dv = new DataView(p.buffer);
  dv.setUint16(0, 500, le);
  dv.setInt32(4, 42, le);
  dv.setInt8(8, -5);
  dv.setInt16(10, -300, le);
  dv.setUint32(12, 4_000_000_000, le);
  dv.setBigUint64(16, (1n << 64n) - 1n, le);
  dv.setBigInt64(24, -2n, le);
  dv.setBigUint64(32, 0xffffffff81000000n, le);
  p.set(te.encode("bash"), 40);
  [1, 2, 65535].forEach((v, i) => dv.setUint16(48 + 2 * i, v, le));
  dv.setUint32(56, (name.length << 16) | 64, le);
  dv.setUint32(60, (rel.length << 16) | 6, le);
  p.set(name, 64);
  p.set(rel, 70);
  return p;
}

const MIX_ARGS = {
  small: -5,
  medium: -300,
  word: 4_000_000_000,
  big: "18446744073709551615",
  neg: -2,
  ptr: "0xffffffff81000000",
  comm: "bash",
  ids: [1, 2, 65535],
  name: "hello",
  rel: "wörld",
};

describe.each([
  ["little-endian", true],
  ["big-endian", false],
])("compileFieldsReader() %s", (_name, le) => {
  const read = compileFieldsReader(MIX, { littleEndian: le, longSize: 8 });

  test("reads every field kind: signed, unsigned, 64-bit past 2^53, pointer, char and number arrays, __data_loc, __rel_loc", () => {
    expect(read(mixPayload(le))).toEqual(MIX_ARGS);
  });

  test("gives null for fields past the end of a short payload, never throws", () => {
    const short = mixPayload(le).subarray(0, 20);
    expect(read(short)).toEqual({ small: -5, medium: -300, word: 4_000_000_000, big: null, neg: null, ptr: null, comm: null, ids: null, name: null, rel: null });
    for (let cut = 0; cut <= 64; cut++) expect(() => read(mixPayload(le).subarray(0, cut))).not.toThrow();
  });
});

test("compileFieldsReader() reads a zero-size char array (ftrace print's buf[]) to the end of the payload", () => {
  const text = te.encode("hi there\n\0");
  const p = new Uint8Array(16 + text.length);
  new DataView(p.buffer).setBigUint64(8, 0xffffffff81234567n, true);
  p.set(text, 16);
  expect(compileFieldsReader(PRINT, { littleEndian: true, longSize: 8 })(p)).toEqual({ ip: 0xffffffff81234567n.toString(), buf: "hi there\n" });
});

test("compileFieldsReader() gives null for a __data_loc that points outside the payload", () => {
  const p = mixPayload(true);
  new DataView(p.buffer).setUint32(56, (50 << 16) | 64, true);
  expect(compileFieldsReader(MIX, { littleEndian: true, longSize: 8 })(p).name).toBeNull();
});
