import { expect, test } from "bun:test";
import { Comms } from "../../../src/report/cmdlines.ts";
import { machineTags, type ReportInput } from "../../../src/report/handles.ts";

function input(path: string, traceId: bigint, guests: { name: string; traceId: bigint }[] = []): ReportInput {
  return { path, userOffsetNs: 0n, dat: { options: { traceId, guests } } } as unknown as ReportInput;
}

test("machineTags() names the host and each guest whose trace id the host's GUEST options list", () => {
  const host = input("trace.dat", 1n, [{ name: "g1", traceId: 7n }, { name: "g2", traceId: 9n }]);
  expect(machineTags([host, input("trace-g2.dat", 9n), input("trace-g1.dat", 7n)])).toEqual(["(host)", "(g2)", "(g1)"]);
});

test("machineTags() keeps trace-cmd's file names for sets that are not host + guests", () => {
  expect(machineTags([input("a.dat", 1n), input("b.dat", 2n)])).toBeUndefined();
  const host = input("trace.dat", 1n, [{ name: "g1", traceId: 7n }]);
  expect(machineTags([host, input("other.dat", 3n)])).toBeUndefined();
});

test("Comms.learn() after the first lookup adds a comm for an unknown pid only, as add_new_comm() does", () => {
  const c = new Comms("42 bash\n");
  expect(c.comm(42)).toBe("bash"); // the first lookup sorts the list
  expect([c.learn(42, "other"), c.learn(7, "Worker"), c.learn(0, "x")]).toEqual([false, true, false]);
  expect([c.comm(42), c.comm(7), c.comm(0), c.comm(8)]).toEqual(["bash", "Worker", "<idle>", "<...>"]);
});

test("Comms before the first lookup: every registration is listed, and bsearch() picks among copies of a pid", () => {
  // List newest first, stably sorted by pid: [10 a, 42 other, 42 bash]; bsearch's first probe is index 1.
  const three = new Comms("10 a\n42 bash\n");
  expect(three.learn(42, "other")).toBe(true);
  expect(three.comm(42)).toBe("other");
  // [42 other, 42 bash]: the first probe is index 1, the saved comm.
  const two = new Comms("42 bash\n");
  two.learn(42, "other");
  expect(two.comm(42)).toBe("bash");
  // sched_switch from idle registers swapper/0 (pid 0) too, which moves the probe: [0 swapper/0, 42 other, 42 bash].
  const idle = new Comms("42 bash\n");
  idle.learn(0, "swapper/0");
  idle.learn(42, "other");
  expect([idle.comm(42), idle.comm(0)]).toEqual(["other", "<idle>"]);
});
