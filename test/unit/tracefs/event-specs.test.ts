import { describe, expect, test } from "bun:test";
import { closestNames, editDistance, filterTargets, matchEventSpec, parseAvailableEvents, resolveEventSpecs, type FilterTarget } from "../../../src/tracefs/event-specs.ts";
import { UsageError } from "../../../src/errors.ts";

const AVAILABLE = parseAvailableEvents("sched:sched_switch\nsched:sched_wakeup\nirq:irq_handler_entry\nirq:softirq_entry\nkvm:kvm_exit\n");
const names = (spec: string) => matchEventSpec(spec, AVAILABLE).map((e) => `${e.system}:${e.event}`);

describe("matchEventSpec()", () => {
  test.each([
    ["sched", ["sched:sched_switch", "sched:sched_wakeup"]],
    ["sched:sched_switch", ["sched:sched_switch"]],
    ["sched_switch", ["sched:sched_switch"]],
    ["*:*softirq*", ["irq:softirq_entry"]],
    ["sched_*", ["sched:sched_switch", "sched:sched_wakeup"]],
    ["k*", ["kvm:kvm_exit"]],
    ["irq:", ["irq:irq_handler_entry", "irq:softirq_entry"]],
    ["all", AVAILABLE.map((e) => `${e.system}:${e.event}`)],
    ["nothing", []],
  ])("%s selects %j", (spec, want) => {
    expect(names(spec)).toEqual(want);
  });
});

describe("resolveEventSpecs()", () => {
  test("deduplicates across specs, keeping first-seen order", () => {
    expect(resolveEventSpecs(["sched:sched_wakeup", "sched"], AVAILABLE).map((e) => e.event)).toEqual(["sched_wakeup", "sched_switch"]);
  });

  test("an unknown spec is a UsageError naming it and suggesting close names", () => {
    expect(() => resolveEventSpecs(["sched_swtch"], AVAILABLE)).toThrow(new UsageError("unknown event 'sched_swtch': did you mean 'sched_switch'?"));
  });
});

describe("closestNames()", () => {
  test("ranks by edit distance and drops far names", () => {
    expect(closestNames("kvm_exot", ["kvm_exit", "kvm_entry", "sched"], 3)).toEqual(["kvm_exit"]);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });
});

describe("filterTargets()", () => {
  test.each([
    ["sched", [{ system: "sched" }]],
    ["sched:*", [{ system: "sched" }]],
    ["all", [{ system: "sched" }, { system: "irq" }, { system: "kvm" }]],
    ["sched:sched_switch", [{ system: "sched", event: "sched_switch" }]],
    ["sched_switch", [{ system: "sched", event: "sched_switch" }]],
    ["*irq*", [{ system: "irq" }]],
    ["irq:soft*", [{ system: "irq", event: "softirq_entry" }]],
  ] as [string, FilterTarget[]][])("-e %s -f ...: the system's filter file for whole systems, else each event's", (spec, want) => {
    expect(filterTargets(spec, AVAILABLE)).toEqual(want);
  });

  test("an unknown spec is the usual unknown-event error", () => {
    expect(() => filterTargets("nosuch", AVAILABLE)).toThrow(UsageError);
  });
});
