// eventMatcher(): report -r/-n patterns match an event's whole name or system, case-insensitive.

import { expect, test } from "bun:test";
import { UsageError } from "../../../src/errors.ts";
import { eventMatcher } from "../../../src/report/event-flags.ts";

const SWITCH = { system: "sched", name: "sched_switch" };
const IRQ = { system: "irq", name: "irq_handler_entry" };

test("a pattern matches the whole name or the whole system, any case; several patterns are or-ed", () => {
  expect(eventMatcher([], "-r")).toBeUndefined();
  const m = eventMatcher(["SCHED_switch"], "-r")!;
  expect([m(SWITCH), m(IRQ)]).toEqual([true, false]);
  expect(eventMatcher(["sched_sw"], "-r")!(SWITCH)).toBe(false); // not a prefix match
  expect(eventMatcher(["irq"], "-r")!(IRQ)).toBe(true); // the system
  const both = eventMatcher(["sched_w.*", "irq_.*"], "-n")!;
  expect([both(SWITCH), both(IRQ), both({ system: "sched", name: "sched_wakeup" })]).toEqual([false, true, true]);
});

test("a pattern regcomp() refuses is a usage error naming the option", () => {
  expect(() => eventMatcher(["\\(sched"], "-n")).toThrow(UsageError);
  expect(() => eventMatcher(["\\(sched"], "-n")).toThrow(/^-n '\\\(sched': not a regular expression/);
});
