import { describe, expect, test } from "bun:test";
import { FormatError } from "../../../src/errors.ts";
import { parseEventFormat } from "../../../src/events/index.ts";
import { formatText } from "./_golden.ts";

const SCHED_SWITCH = `name: sched_switch
ID: 372
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;
\tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;
\tfield:long prev_state;\toffset:32;\tsize:8;\tsigned:1;

print fmt: "prev_comm=%s prev_pid=%d", REC->prev_comm, REC->prev_pid
`;

describe("parseEventFormat()", () => {
  test("parseEventFormat() reads name, ID, common fields and own fields", () => {
    const f = parseEventFormat(SCHED_SWITCH, "sched");
    expect({ id: f.id, system: f.system, name: f.name, common: f.commonFields.map((c) => c.name) }).toEqual({
      id: 372,
      system: "sched",
      name: "sched_switch",
      common: ["common_type", "common_flags", "common_preempt_count", "common_pid"],
    });
    expect(f.fields).toEqual([
      { name: "prev_comm", type: "char[16]", offset: 8, size: 16, signed: false, arrayLength: 16, dynamic: false, isCommon: false },
      { name: "prev_pid", type: "pid_t", offset: 24, size: 4, signed: true, arrayLength: 0, dynamic: false, isCommon: false },
      { name: "prev_state", type: "long", offset: 32, size: 8, signed: true, arrayLength: 0, dynamic: false, isCommon: false },
    ]);
    expect(f.commonFields[3]).toEqual({ name: "common_pid", type: "int", offset: 4, size: 4, signed: true, arrayLength: 0, dynamic: false, isCommon: true });
  });

  test("parseEventFormat() keeps the print fmt text after 'print fmt: '", () => {
    expect(parseEventFormat(SCHED_SWITCH, "sched").printFmt).toBe('"prev_comm=%s prev_pid=%d", REC->prev_comm, REC->prev_pid');
  });

  test("parseEventFormat() reads __data_loc, __rel_loc, pointer and flexible array fields", () => {
    const text = formatText("e", 9, [
      ["__data_loc char[] name", 8, 4],
      ["__rel_loc u8[] blob", 12, 4],
      ["const char * fn", 16, 8],
      ["char buf[]", 24, 0],
    ], '"%s", __get_str(name)');
    const f = parseEventFormat(text, "s");
    expect(f.fields.map(({ name, type, dynamic, arrayLength }) => ({ name, type, dynamic, arrayLength }))).toEqual([
      { name: "name", type: "__data_loc char[]", dynamic: true, arrayLength: 0 },
      { name: "blob", type: "__rel_loc u8[]", dynamic: true, arrayLength: 0 },
      { name: "fn", type: "const char *", dynamic: false, arrayLength: 0 },
      { name: "buf", type: "char[]", dynamic: false, arrayLength: 0 },
    ]);
  });

  test("parseEventFormat() throws FormatError without an ID or print fmt", () => {
    expect(() => parseEventFormat("name: x\nformat:\n", "s")).toThrow(FormatError);
    expect(() => parseEventFormat("garbage", "s")).toThrow(FormatError);
  });

  test("parseEventFormat() throws FormatError on a malformed field line", () => {
    const bad = SCHED_SWITCH.replace("offset:24;", "offset:;");
    expect(() => parseEventFormat(bad, "sched")).toThrow(FormatError);
  });
});
