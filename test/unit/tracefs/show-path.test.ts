// showPath(): the file `vtrace show` prints, as trace-cmd show builds its path.

import { expect, test } from "bun:test";
import { UsageError } from "../../../src/errors.ts";
import { showPath } from "../../../src/tracefs/show-path.ts";

test("trace, trace_pipe or snapshot, of one CPU, of an instance", () => {
  expect(showPath({})).toBe("trace");
  expect(showPath({ pipe: true })).toBe("trace_pipe");
  expect(showPath({ snapshot: true, instance: "foo" })).toBe("instances/foo/snapshot");
  expect(showPath({ cpu: "1", instance: "foo" })).toBe("instances/foo/per_cpu/cpu1/trace");
  expect(showPath({ cpu: "0x10", pipe: true })).toBe("per_cpu/cpu16/trace_pipe");
  expect(showPath({ cpu: "010" })).toBe("per_cpu/cpu8/trace");
});

test("-p with -s, or a CPU that is no number, is a usage error", () => {
  expect(() => showPath({ pipe: true, snapshot: true })).toThrow(UsageError);
  expect(() => showPath({ cpu: "one" })).toThrow("invalid CPU index 'one'");
  expect(() => showPath({ cpu: "" })).toThrow(UsageError);
});
