import { describe, expect, test } from "bun:test";
import { describeUnrecorded, unrecordedGuests } from "../../../src/virt/guest-outcome.ts";

describe("unrecordedGuests()", () => {
  const exists = (files: string[]) => (p: string) => files.includes(p);

  test("a guest counts as recorded only with an ok start, an ok stop and its file on disk", () => {
    const missing = unrecordedGuests(
      ["a", "b", "c", "d", "e"],
      [{ name: "b", ok: false, error: "no agent answers for guest 'b'" }],
      [
        { name: "a", ok: true, file: "/o/t-a.dat" },
        { name: "c", ok: false, error: "agent connection closed" },
        { name: "d", ok: true, file: "/o/t-d.dat" },
      ],
      exists(["/o/t-a.dat"]),
    );
    expect(missing).toEqual([
      { name: "b", why: "no agent answers for guest 'b'" },
      { name: "c", why: "agent connection closed" },
      { name: "d", why: "no file was written" },
      { name: "e", why: "no answer from its agent at stop" },
    ]);
    expect(describeUnrecorded(missing.slice(0, 1), 1)).toBe("1 of 1 guest not recorded: b (no agent answers for guest 'b')");
  });

  test("nothing is missing when every guest wrote its file", () => {
    expect(unrecordedGuests(["a"], [], [{ name: "a", ok: true, file: "/f" }], exists(["/f"]))).toEqual([]);
  });
});
