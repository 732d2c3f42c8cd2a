// pidFilterText() builds trace-cmd's --pid filter text; pidsOfComm() finds pids by exact comm.

import { expect, test } from "bun:test";
import { pidFilterText, pidsOfComm } from "../../../src/report/filter/pid-filter.ts";

test("pidFilterText() is trace-cmd's filter: common_pid, pid or next_pid, for each pid", () => {
  expect(pidFilterText([12])).toBe(".*:(common_pid==12)||(pid==12)||(next_pid==12)");
  expect(pidFilterText([1, 0])).toBe(".*:(common_pid==1)||(pid==1)||(next_pid==1)||(common_pid==0)||(pid==0)||(next_pid==0)");
});

test("pidsOfComm() matches the whole comm, spaces included, and skips malformed lines", () => {
  const cmdlines = "1 init\n20 bun\n21 bun pool\nbad line\n22 bun\n30 bunx\n";
  expect(pidsOfComm(cmdlines, "bun")).toEqual([20, 22]);
  expect(pidsOfComm(cmdlines, "bun pool")).toEqual([21]);
  expect(pidsOfComm(cmdlines, "nosuch")).toEqual([]);
});
