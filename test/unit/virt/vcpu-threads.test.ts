import { expect, test } from "bun:test";
import { vcpuThreads } from "../../../src/virt/host-guests.ts";

test("vcpuThreads() lists every vCPU with an unknown thread (-1) when QEMU's threads carry no 'CPU N/' names", () => {
  // This test process's threads are not named like QEMU vCPUs; a missing pid has no threads at all.
  for (const pid of [process.pid, 0x7ffffff0]) {
    expect(vcpuThreads(pid, 2)).toEqual({ named: false, vcpus: [{ vcpu: 0, pid: -1 }, { vcpu: 1, pid: -1 }] });
  }
});
