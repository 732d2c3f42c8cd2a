import { expect, test } from "bun:test";
import { TimeCheck } from "../../../src/report/report.ts";
import type { RecordStream } from "../../../src/report/streams.ts";

test("TimeCheck counts records earlier than their predecessor on the same CPU only", () => {
  const a = { ts: 0, cpu: 0, handle: { input: { path: "host.dat" } } } as unknown as RecordStream;
  const b = { ts: 0, cpu: 1, handle: { input: { path: "guest.dat" } } } as unknown as RecordStream;
  const check = new TimeCheck();
  for (const [s, ts] of [[a, 10], [b, 5], [a, 20], [a, 15], [b, 6], [a, 14], [a, 30]] as const) {
    s.ts = ts;
    check.see(s);
  }
  expect(check.report([a, b])).toEqual(["host.dat cpu0: time went backwards 2 times"]);
  expect(new TimeCheck().report([a, b])).toEqual([]);
});
