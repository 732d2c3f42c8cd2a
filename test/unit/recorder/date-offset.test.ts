// markerTimestamp(): the --date marker's time in a buffer's trace text, for ns and counter clocks.

import { expect, test } from "bun:test";
import { markerTimestamp } from "../../../src/recorder/date-offset.ts";

test("seconds.micro of ns clocks become ns; a counter stays as it is; no marker is undefined", () => {
  const line = (ts: string) => `# tracer: nop\n#\n          vtrace-123   [001] ..... ${ts}: tracing_mark_write: vtrace-date-stamp\n`;
  expect(markerTimestamp(line("31415.926535"))).toBe(31_415_926_535_000n);
  expect(markerTimestamp(line("31415926535897"))).toBe(31_415_926_535_897n);
  expect(markerTimestamp(line("12.5"))).toBe(12_500_000_000n);
  expect(markerTimestamp("# tracer: nop\n")).toBeUndefined();
  expect(markerTimestamp(line("1.000001").replace("vtrace-date-stamp", "other"))).toBeUndefined();
});
