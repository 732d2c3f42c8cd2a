// Comms: libtraceevent's saved-cmdlines rules.
import { expect, test } from "bun:test";
import { Comms } from "../../../src/report/cmdlines.ts";
import { parseCpuList } from "../../../src/report/cpu-list.ts";
import { UsageError } from "../../../src/errors.ts";

test("Comms keeps the first comm per pid, stops at a bad line, and names pid 0 <idle>", () => {
  const c = new Comms("12 bash\n\n12 other\n13 kworker/0:1 x\nnot a line\n14 never\n");
  expect([c.comm(12), c.comm(13), c.comm(14), c.comm(0), c.comm(99)]).toEqual(["bash", "kworker/0:1 x", "<...>", "<idle>", "<...>"]);
});

test("parseCpuList() accepts lists and ranges, refuses the rest", () => {
  expect(parseCpuList("0,2-4:7")).toEqual([0, 2, 3, 4, 7]);
  expect(() => parseCpuList("3-1")).toThrow(UsageError);
  expect(() => parseCpuList("a")).toThrow(UsageError);
});
