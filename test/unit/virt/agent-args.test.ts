// The host's `record ... -A GUEST ...` command line: which options are the host's and which each
// guest's, and what a guest's options ask its agent for.

import { describe, expect, test } from "bun:test";
import { UsageError } from "../../../src/errors.ts";
import { parseAgentArgs, splitGuestArgs } from "../../../src/virt/agent-args.ts";

describe("splitGuestArgs()", () => {
  test("-e/-f/-C/-b after -A are that guest's; everything else, and all after --, the host's", () => {
    const argv = ["-e", "sched", "-f", "prev_pid != 0", "-A", "g1", "-e", "irq", "-f", "irq > 1", "-o", "t.dat", "-A", "g2", "-C", "x86-tsc", "-b", "64", "--", "sleep", "1"];
    expect(splitGuestArgs(argv)).toEqual({
      host: ["-e", "sched", "-f", "prev_pid != 0", "-o", "t.dat", "--", "sleep", "1"],
      guests: [
        { name: "g1", args: ["-e", "irq", "-f", "irq > 1"] },
        { name: "g2", args: ["-C", "x86-tsc", "-b", "64"] },
      ],
    });
  });

  test("-A without a name is a usage error", () => {
    expect(() => splitGuestArgs(["-e", "sched", "-A", "-e", "x"])).toThrow("-A needs a guest name");
  });
});

describe("parseAgentArgs()", () => {
  test("events, their filters, clock and buffer size", () => {
    expect(parseAgentArgs(["-e", "sched", "-f", "prev_pid != 0", "-e", "irq", "-C", "x86-tsc", "-b", "256"])).toEqual({
      events: ["sched", "irq"],
      filters: [{ spec: "sched", filter: "prev_pid != 0" }],
      clock: "x86-tsc",
      bufferKb: 256,
    });
  });

  test.each([
    [["-f", "x > 1", "-e", "sched"], "-f 'x > 1' must follow the guest's -e EVENT it filters"],
    [["-e", "sched", "-o", "x"], "unsupported guest option '-o' (guests take -e, -f, -C, -b)"],
    [["-e", "sched", "-b", "0"], "invalid -b '0'"],
    [["-C", "mono"], "no events for the guest: give -e EVENT after -A GUEST"],
    [["-e"], "option -e needs a value"],
  ])("%j → %s", (args, message) => {
    expect(() => parseAgentArgs(args)).toThrow(new UsageError(message));
  });
});
