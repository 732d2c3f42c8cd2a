// The -F evaluator on record bytes (libtraceevent's unsigned 64-bit compares, strings, COMM, CPU,
// evaluation errors) and tracecmd_filter_match()'s positive / -v / stack-trace rules.
import { describe, expect, test } from "bun:test";
import type { EventFormat } from "../../../src/events/format.ts";
import { buildFileFilters, HandleFilter, type FilterSpec } from "../../../src/report/filter/filter-set.ts";
import { compileTest, EVAL_FAILED, FilterRecord, UnsupportedFilter } from "../../../src/report/filter/match.ts";
import { parseEventFilter } from "../../../src/report/filter/parse.ts";
import { execPage, lookupIn, PROCESS_EXEC, SCHED_SWITCH, switchPage, type SwitchRecord } from "./filter-fixtures.ts";

const comms = { comm: (pid: number) => (pid === 0 ? "<idle>" : pid === 42 ? "bash" : "<...>") };

const BASE: SwitchRecord = { pid: 42, prevComm: "bash", prevPid: 42, prevPrio: 120, prevState: 1n, nextComm: "kworker/0:1", nextPid: 7, nextPrio: -5 };

function recordOf(page: Uint8Array, base: number, cpu = 0): FilterRecord {
  const r = new FilterRecord(true, comms);
  r.page = page;
  r.base = base;
  r.cpu = cpu;
  r.pid = new DataView(page.buffer).getInt32(base + 4, true);
  r.type = new DataView(page.buffer).getUint16(base, true);
  return r;
}

function evalOn(expr: string, fields: Partial<SwitchRecord> = {}, cpu = 0): boolean {
  const test = compileTest(parseEventFilter(expr, lookupIn(SCHED_SWITCH)));
  return test(recordOf(switchPage({ ...BASE, ...fields }), 8, cpu));
}

describe("numbers", () => {
  test("compares", () => {
    expect(evalOn("prev_pid == 42")).toBe(true);
    expect(evalOn("prev_pid != 42")).toBe(false);
    expect(evalOn("prev_prio >= 120 && prev_prio <= 120 && prev_prio > 119 && prev_prio < 121")).toBe(true);
    expect(evalOn("prev_state == 1 && CPU == 3", {}, 3)).toBe(true);
    expect(evalOn("common_type == 372 && common_pid == 42")).toBe(true);
  });

  test("a negative signed field is a huge unsigned number, in the fast and the 64-bit path", () => {
    expect(evalOn("next_prio > 1000")).toBe(true);
    expect(evalOn("next_prio < 0")).toBe(false);
    expect(evalOn("next_prio == 18446744073709551611")).toBe(true); // -5 as u64: the bigint path
    expect(evalOn("prev_state > 9007199254740993", { prevState: -1n })).toBe(true);
    expect(evalOn("prev_state == 0xffffffffffffffff", { prevState: -1n })).toBe(true);
  });

  test("arithmetic is a value, true when not zero", () => {
    expect(evalOn("prev_pid & 1")).toBe(false);
    expect(evalOn("prev_pid & 2")).toBe(true);
    expect(evalOn("prev_pid - 42")).toBe(false);
    expect(evalOn("prev_pid == -42")).toBe(false); // parsed as prev_pid - 42
    expect(evalOn("prev_pid ^ 42")).toBe(false);
    expect(evalOn("prev_pid >> 64")).toBe(true); // x86 takes the count mod 64
    expect(evalOn("next_prio + 5")).toBe(false); // wraps at 2^64
  });

  test("evaluation errors throw EVAL_FAILED (the filter then neither matches nor misses)", () => {
    for (const expr of ["prev_pid / 0", "prev_pid % 0", "prev_pid ~ 1", 'prev_pid & "x"', "!(prev_pid / 0)"]) {
      expect(() => evalOn(expr)).toThrow(EVAL_FAILED);
    }
    expect(evalOn("prev_pid == 1 && prev_pid / 0")).toBe(false); // && stops first
  });

  test("what this port refuses rather than compare garbage", () => {
    expect(() => evalOn("prev_comm == 1")).toThrow(UnsupportedFilter);
    expect(() => evalOn("COMM == 1")).toThrow(UnsupportedFilter);
    expect(() => evalOn('CPU == "0x1"')).toThrow(UnsupportedFilter);
    expect(() => evalOn('prev_state == "x"')).toThrow(UnsupportedFilter); // a long: libtraceevent looks up a symbol
  });
});

describe("strings", () => {
  test("char arrays, == != =~ !~, regexes case-insensitive", () => {
    expect(evalOn('prev_comm == "bash"')).toBe(true);
    expect(evalOn('prev_comm == "bas"')).toBe(false);
    expect(evalOn('next_comm != "kworker/0:1"')).toBe(false);
    expect(evalOn('next_comm =~ "^KWORK.*:1$"')).toBe(true);
    expect(evalOn('next_comm !~ "worker"')).toBe(false);
  });

  test("a full 16-char array with no NUL is cut at the field size", () => {
    expect(evalOn('prev_comm == "abcdefghijklmnop"', { prevComm: "abcdefghijklmnop" })).toBe(true);
  });

  test("COMM is the task's comm as the report knows it; a number field as a string is its hex", () => {
    expect(evalOn('COMM == "bash"')).toBe(true);
    expect(evalOn('COMM == "<idle>"', { pid: 0 })).toBe(true);
    expect(evalOn('prev_pid == "0x2a"')).toBe(true);
  });

  test("__data_loc strings", () => {
    const exec = (expr: string, page: Uint8Array) => compileTest(parseEventFilter(expr, lookupIn(PROCESS_EXEC)))(recordOf(page, 0));
    expect(exec('filename == "/bin/sh"', execPage("/bin/sh"))).toBe(true);
    expect(exec('filename =~ "sh$"', execPage("/bin/sh"))).toBe(true);
    // No NUL at the end of the data: libtraceevent copies the field's size (4 bytes) only.
    expect(exec('filename == "/bin"', execPage("/bin/sh", false))).toBe(true);
  });
});

describe("HandleFilter: tracecmd_filter_match()", () => {
  const formats = [SCHED_SWITCH, PROCESS_EXEC, stackFormat()];
  const file = {
    formats: formats.map((f) => ({ system: f.system, text: new TextEncoder().encode(`name: ${f.name}\nID: ${f.id}\n`) })),
    event: (id: number) => formats.find((f) => f.id === id),
    longSize: 8,
  };
  const handle = (specs: FilterSpec[]) => new HandleFilter(buildFileFilters(specs, file), true, comms);
  const sw = (prevPid: number) => ({ page: switchPage({ ...BASE, prevPid }), payloadOffset: 8, commonType: 372, commonPid: 42 });
  const exec = { page: execPage("/bin/sh"), payloadOffset: 0, commonType: 365, commonPid: 42 };
  const stack = { page: new Uint8Array([7, 0, 0, 0, 42, 0, 0, 0]), payloadOffset: 0, commonType: 7, commonPid: 42 };

  test("positive filters: an unlisted event is hidden; any matching -F shows", () => {
    const h = handle([
      { text: "sched_switch: prev_pid == 1", negate: false },
      { text: "sched_switch: prev_pid == 2", negate: false },
    ]);
    expect([h.passes(sw(1), 0), h.passes(sw(2), 0), h.passes(sw(3), 0), h.passes(exec, 0)]).toEqual([true, true, false, false]);
  });

  test("-v filters: a matching one hides, an unlisted event stays", () => {
    const h = handle([{ text: "sched_switch: prev_pid == 1", negate: true }]);
    expect([h.passes(sw(1), 0), h.passes(sw(2), 0), h.passes(exec, 0)]).toEqual([false, true, true]);
  });

  test("an evaluation error neither shows (positive) nor hides (-v)", () => {
    expect(handle([{ text: "sched_switch: prev_pid / 0", negate: false }]).passes(sw(1), 0)).toBe(false);
    expect(handle([{ text: "sched_switch: prev_pid / 0", negate: true }]).passes(sw(1), 0)).toBe(true);
  });

  test("a kernel_stack record follows the last shown record of its cpu", () => {
    const h = handle([{ text: "sched_switch: prev_pid == 1", negate: false }]);
    expect(h.passes(stack, 0)).toBe(false); // nothing shown yet
    expect(h.passes(sw(1), 0)).toBe(true);
    expect(h.passes(stack, 1)).toBe(false); // another cpu
    expect(h.passes(stack, 0)).toBe(true);
    // A hidden record does not reset "last shown" (trace-cmd returns before updating it).
    expect(h.passes(sw(5), 0)).toBe(false);
    expect(h.passes(stack, 0)).toBe(true);
  });

  test("a bad filter is a UsageError naming it", () => {
    expect(() => handle([{ text: "sched_switch: prev_pid ==", negate: false }])).toThrow(
      "invalid filter 'sched_switch: prev_pid ==': Syntax error: the expression is incomplete (at column 25)",
    );
    expect(() => handle([{ text: "sched: prev_comm == 1", negate: false }])).toThrow("(event sched/sched_switch)");
  });
});

function stackFormat(): EventFormat {
  return { id: 7, system: "ftrace", name: "kernel_stack", fields: [], commonFields: SCHED_SWITCH.commonFields, printFmt: "" };
}
