// Host and guest roles from the files' GUEST and TRACEID options only: the inputs are fake dats with
// just those options, as the roles read nothing else.

import { describe, expect, test } from "bun:test";
import { UsageError } from "../../../src/errors.ts";
import { hostAndGuests, machineRoles, type RoleInput } from "../../../src/merge/machine-roles.ts";
import type { GuestInfo } from "../../../src/tracedat/reader/options.ts";

function guest(name: string, traceId: bigint, tids: number[]): GuestInfo {
  return { name, traceId, hostTids: new Map(tids.map((tid, vcpu) => [vcpu, tid])) };
}

function file(path: string, traceId: bigint | undefined, guests: GuestInfo[] = []): RoleInput {
  return { path, dat: { options: { traceId, guests } } };
}

const G1 = guest("g1", 7n, [4000, 4001]);
const G2 = guest("g2", 9n, [5000]);
const HOST = file("trace.dat", 1n, [G1, G2]);
const GUEST_G1 = file("trace-g1.dat", 7n);
const GUEST_G2 = file("trace-g2.dat", 9n);
const STRAY = file("other.dat", 3n);

/** The UsageError text a strict call gives, so a wrong kind of error fails the test too. */
function usageError(inputs: RoleInput[]): string {
  try {
    hostAndGuests(inputs);
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error("no error");
}

describe("machineRoles()", () => {
  test("a host and two guests, in any order: the host carries its GUEST options, each guest its name and vCPU threads", () => {
    expect(machineRoles([GUEST_G2, HOST, GUEST_G1])).toEqual([
      { kind: "guest", name: "g2", hostTids: new Map([[0, 5000]]) },
      { kind: "host", guests: [G1, G2] },
      { kind: "guest", name: "g1", hostTids: new Map([[0, 4000], [1, 4001]]) },
    ]);
  });

  test("a file no host names, or with no trace id, is a plain file; so is every file without a host", () => {
    expect(machineRoles([HOST, STRAY, file("old.dat", undefined)]).map((r) => r.kind)).toEqual(["host", "file", "file"]);
    expect(machineRoles([GUEST_G1, GUEST_G2]).map((r) => r.kind)).toEqual(["file", "file"]);
  });

  test("a guest whose trace id the host does not name is a plain file, even when its name matches", () => {
    expect(machineRoles([HOST, file("trace-g1.dat", 8n)])[1]).toEqual({ kind: "file" });
  });

  test("two hosts are both hosts, and a guest of either is its guest", () => {
    const other = file("trace-2.dat", 2n, [guest("g3", 11n, [6000])]);
    expect(machineRoles([HOST, other, file("trace-g3.dat", 11n), GUEST_G1])).toEqual([
      { kind: "host", guests: [G1, G2] },
      { kind: "host", guests: other.dat.options.guests },
      { kind: "guest", name: "g3", hostTids: new Map([[0, 6000]]) },
      { kind: "guest", name: "g1", hostTids: G1.hostTids },
    ]);
  });

  test("a file with GUEST options is a host even when another host names its trace id", () => {
    const nested = file("trace-l1.dat", 7n, [guest("l2", 12n, [])]);
    expect(machineRoles([HOST, nested]).map((r) => r.kind)).toEqual(["host", "host"]);
  });
});

describe("hostAndGuests()", () => {
  test("the host's index and every guest's index and name, in input order", () => {
    expect(hostAndGuests([GUEST_G2, HOST, GUEST_G1])).toEqual({ host: 1, guests: [{ index: 0, name: "g2" }, { index: 2, name: "g1" }] });
  });

  test("the host alone, or with one of its guests, is a set", () => {
    expect(hostAndGuests([HOST])).toEqual({ host: 0, guests: [] });
    expect(hostAndGuests([HOST, GUEST_G2])).toEqual({ host: 0, guests: [{ index: 1, name: "g2" }] });
  });

  test("no host: guests alone are no set", () => {
    expect(usageError([GUEST_G1, GUEST_G2])).toStartWith("no host file among the inputs: none has a GUEST option");
  });

  test("two hosts: both are named", () => {
    const other = file("trace-2.dat", 2n, [guest("g3", 11n, [6000])]);
    expect(usageError([HOST, GUEST_G1, other])).toBe("more than one host file: 'trace.dat' and 'trace-2.dat' have GUEST options");
  });

  test("a stray file, or a guest whose trace id the host does not name, is not a guest of the host", () => {
    expect(usageError([HOST, GUEST_G1, STRAY])).toBe("'other.dat' is not a guest of 'trace.dat': its trace id is not in the host's GUEST options");
    expect(usageError([file("trace-g1.dat", 8n), HOST])).toStartWith("'trace-g1.dat' is not a guest of 'trace.dat'");
  });
});
