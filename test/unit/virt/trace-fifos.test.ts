import { describe, expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, symlinkSync } from "node:fs";
import { makeFifo } from "../../../ffi/fifo.ts";
import { checkedTraceFifos } from "../../../src/virt/trace-fifos.ts";
import { tempDir } from "../../helpers/env.ts";

function domainFolder(root: string): string {
  const folder = `${root}/virt/g1`;
  mkdirSync(folder, { recursive: true, mode: 0o710 });
  for (const cpu of [0, 1]) makeFifo(`${folder}/trace-path-cpu${cpu}.out`, 0o660);
  return folder;
}

describe("checkedTraceFifos()", () => {
  test("accepts FIFOs that libvirt handed to the QEMU user, in a folder only root can change", () => {
    using dir = tempDir("tf");
    const folder = domainFolder(dir.path);
    chownSync(`${folder}/trace-path-cpu0.out`, 64055, 64055);
    expect(checkedTraceFifos(`${dir.path}/virt`, "g1", 2)).toEqual([`${folder}/trace-path-cpu0.out`, `${folder}/trace-path-cpu1.out`]);
  });

  test("refuses a folder that others could write to, or own", () => {
    using dir = tempDir("tfw");
    const folder = domainFolder(dir.path);
    chmodSync(folder, 0o770);
    expect(() => checkedTraceFifos(`${dir.path}/virt`, "g1", 2)).toThrow("others could replace its FIFOs (owner uid 0, mode 770)");
    chmodSync(folder, 0o710);
    chownSync(folder, 64055, 0);
    expect(() => checkedTraceFifos(`${dir.path}/virt`, "g1", 2)).toThrow("owner uid 64055");
  });

  test("refuses a symlink in place of a FIFO, and names the setup-guest command for a missing one", () => {
    using dir = tempDir("tfs");
    const folder = domainFolder(dir.path);
    symlinkSync("/etc/passwd", `${folder}/trace-path-cpu2.out`);
    expect(() => checkedTraceFifos(`${dir.path}/virt`, "g1", 3)).toThrow(`refusing ${folder}/trace-path-cpu2.out: not a FIFO`);
    expect(() => checkedTraceFifos(`${dir.path}/virt`, "g1", 4)).toThrow(`not a FIFO`);
    expect(() => checkedTraceFifos(`${dir.path}/virt`, "g2", 1)).toThrow(
      `g2: missing folder ${dir.path}/virt/g2: run 'vtrace setup-guest g2 --cpus 1 --virt-dir ${dir.path}/virt'`,
    );
  });
});
