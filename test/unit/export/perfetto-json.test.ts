// Chrome trace-event text: µs with ns kept as decimals, one event per line, the whole file valid JSON.

import { describe, expect, test } from "bun:test";
import { formatChromeEvent, formatMicros, type ChromeEvent } from "../../../src/export/perfetto/chrome-event.ts";
import { TraceEventsWriter } from "../../../src/export/perfetto/json-writer.ts";
import { checkChromeTrace } from "./perfetto-validator.ts";

class Collect {
  text = "";
  constructor(readonly acceptChars = Infinity) {}
  write(t: string): boolean {
    if (this.text.length >= this.acceptChars) return false;
    this.text += t;
    return true;
  }
}

describe("formatMicros()", () => {
  test.each([
    [0n, "0"],
    [1n, "0.001"],
    [999n, "0.999"],
    [1000n, "1"],
    [1234567n, "1234.567"],
    [1_000_000_500n, "1000000.500"],
    // 2^64 - 1 ns: beyond a double's exact range, still every digit
    [18446744073709551615n, "18446744073709551.615"],
    [-1500n, "-1.500"],
  ])("writes %p ns as %p µs", (ns, text) => {
    expect(formatMicros(ns)).toBe(text);
    expect(JSON.parse(text)).toBeCloseTo(Number(ns) / 1000, 3);
  });
});

const X: ChromeEvent = { ph: "X", name: 'bash "x"-42', cat: "sched", tsNs: 1_000_000_500n, durNs: 2500n, pid: 1, tid: 1000000, args: { comm: "bash", pid: 42 } };
const I: ChromeEvent = { ph: "i", name: "sched_wakeup", cat: "sched", tsNs: 7n, pid: 2, tid: 2000001, args: { comm: "a\u0001\nb", big: "18446744073709551615", list: [1, "x"] } };
const M: ChromeEvent = { ph: "M", name: "thread_name", pid: 1, tid: 1000000, args: { name: "CPU 0" } };

test("formatChromeEvent() writes each phase with its required fields, escaped, ts and dur in µs", () => {
  expect(JSON.parse(formatChromeEvent(X))).toEqual({ name: 'bash "x"-42', ph: "X", cat: "sched", ts: 1000000.5, dur: 2.5, pid: 1, tid: 1000000, args: { comm: "bash", pid: 42 } });
  expect(JSON.parse(formatChromeEvent(I))).toEqual({ name: "sched_wakeup", ph: "i", cat: "sched", ts: 0.007, s: "t", pid: 2, tid: 2000001, args: I.args });
  expect(JSON.parse(formatChromeEvent(M))).toEqual({ name: "thread_name", ph: "M", ts: 0, pid: 1, tid: 1000000, args: { name: "CPU 0" } });
  for (const e of [X, I, M]) expect(formatChromeEvent(e)).not.toContain("\n");
});

test("TraceEventsWriter writes a JSON object with one event per line, also with no events", () => {
  const empty = new Collect();
  const w0 = new TraceEventsWriter(empty);
  w0.begin();
  w0.end({ source: "test" });
  expect(JSON.parse(empty.text)).toEqual({ traceEvents: [], otherData: { source: "test" } });

  const out = new Collect();
  const w = new TraceEventsWriter(out);
  w.begin();
  for (const e of [M, { ...M, tid: 2000001, pid: 2, args: { name: "vCPU 1" } }, { ...M, name: "process_name", pid: 2, tid: 2000001, args: { name: "g" } }, { ...M, name: "process_name", args: { name: "h" } }, X, I] as ChromeEvent[]) {
    w.event(e);
  }
  w.end({});
  const checked = checkChromeTrace(out.text);
  expect(checked.problems).toEqual([]);
  expect(checked.events.map((e) => e.ph)).toEqual(["M", "M", "M", "M", "X", "i"]);
  expect(out.text.split("\n").filter((l) => l.startsWith("{\"name\"")).length).toBe(6);
});

test("TraceEventsWriter.event() returns false once the reader has gone", () => {
  const out = new Collect(40);
  const w = new TraceEventsWriter(out);
  w.begin();
  expect([w.event(M), w.event(M)]).toEqual([true, false]);
});

test("checkChromeTrace() reports missing fields, negative dur, bad scope, overlaps and unnamed threads", () => {
  const bad = {
    traceEvents: [
      { name: "process_name", ph: "M", ts: 0, pid: 1, tid: 1, args: { name: "p" } },
      { name: "thread_name", ph: "M", ts: 0, pid: 1, tid: 1, args: { name: "t" } },
      { name: "a", ph: "X", ts: 10, dur: 5, pid: 1, tid: 1 },
      { name: "b", ph: "X", ts: 12, dur: 5, pid: 1, tid: 1 },
      { name: "c", ph: "X", ts: 30, dur: -1, pid: 1, tid: 1 },
      { name: "d", ph: "i", ts: 30, pid: 1, tid: 1 },
      { name: "e", ph: "i", s: "t", pid: 1, tid: 1 },
      { name: "f", ph: "i", s: "t", ts: 1, pid: 1, tid: 9 },
    ],
  };
  const problems = checkChromeTrace(JSON.stringify(bad)).problems.join("\n");
  for (const want of ["overlaps a", "X without a finite dur", 'scope undefined', "ts is not a finite number", "thread 1/9 has events but no thread_name"]) {
    expect(problems).toContain(want);
  }
});
