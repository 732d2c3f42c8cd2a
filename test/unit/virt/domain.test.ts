import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { libvirtDomainOfPid, qemuNameFromArgv, resolveDomain } from "../../../src/virt/domain.ts";
import { tempDir } from "../../helpers/env.ts";

describe("qemuNameFromArgv()", () => {
  test.each([
    [["qemu-system-x86_64", "-name", "guest=fedora,debug-threads=on", "-m", "1024"], "fedora"],
    [["qemu", "-name", "plain"], "plain"],
    [["qemu", "-name", "web1,process=qemu:web1"], "web1"],
    [["qemu", "-m", "512"], undefined],
    [["qemu", "-name"], undefined],
  ])("%j → %j", (argv, want) => {
    expect(qemuNameFromArgv(argv)).toBe(want);
  });
});

describe("resolveDomain()", () => {
  test("libvirt pid files come first", () => {
    using dir = tempDir("dom");
    mkdirSync(`${dir.path}/qemu`);
    writeFileSync(`${dir.path}/qemu/other.pid`, "1\n");
    writeFileSync(`${dir.path}/qemu/mydomain.pid`, `${process.pid}\n`);
    expect(libvirtDomainOfPid(process.pid, `${dir.path}/qemu`)).toBe("mydomain");
    expect(resolveDomain(process.pid, "fromguest", `${dir.path}/qemu`)).toEqual({ domain: "mydomain", source: "libvirt" });
  });

  test("without libvirt or -name, the guest's own name is used, if it is safe", () => {
    expect(resolveDomain(process.pid, "g7", "/nonexistent")).toEqual({ domain: "g7", source: "guest" });
    expect(resolveDomain(process.pid, "../../etc", "/nonexistent")).toBeUndefined();
    expect(resolveDomain(process.pid, undefined, "/nonexistent")).toBeUndefined();
  });

  test("a QEMU process's -name is read from /proc/PID/cmdline", async () => {
    // sh keeps its own argv ("-name guest=fromqemu" after the script) while the script runs.
    const p = Bun.spawn(["sh", "-c", "sleep 5; true", "-name", "guest=fromqemu"], { stdout: "ignore", stderr: "ignore" });
    await Bun.sleep(50);
    expect(resolveDomain(p.pid, "g", "/nonexistent")).toEqual({ domain: "fromqemu", source: "qemu -name" });
    p.kill();
  });
});
