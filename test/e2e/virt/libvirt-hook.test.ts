// setup-guest --libvirt-hook and the hook it installs, run as libvirt runs it (arguments, the domain
// XML on stdin) with the real binary: the domain's folders and FIFOs come back after /tmp is
// emptied, other layouts are left alone, and a refused set-up is one line and a non-zero exit.
// libvirt.test.ts runs the same hook under a real libvirtd.

import { describe, expect, test } from "bun:test";
import { lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { missing, run, skipBecause, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { channelsOf } from "../../helpers/libvirt.ts";

const skip = skipBecause(process.getuid?.() === 0 ? missing({ binary: true }) : "not root", "libvirt hook e2e");

/** Runs the installed hook script as libvirt does; the binary's stderr comes through. */
async function runHook(script: string, domain: string, xml: string, operation = "prepare") {
  const p = Bun.spawn(["sh", script, domain, operation, "begin", "-"], { stdin: new TextEncoder().encode(xml), stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

describe.skipIf(skip)("vtrace setup-guest --libvirt-hook", () => {
  test("the hook makes a domain's folders, socket node and FIFOs again once they are gone, and only on 'prepare begin'", async () => {
    using dir = tempDir("lvhook");
    const virtDir = `${dir.path}/trace-cmd/virt`;
    const hooks = `${dir.path}/hooks`;
    const setup = await run([VTRACE_BIN, "setup-guest", "vm1", "--cpus", "2", "--virt-dir", virtDir, "--libvirt-hook", "--hooks-dir", hooks, "--group", "root"]);
    expect({ code: setup.code, last: setup.stdout.trim().split("\n").at(-1) }).toEqual({
      code: 0,
      last: `# libvirt hook: ${hooks}/qemu.d/vtrace installed; restart libvirtd once (systemctl restart libvirtd) so that it runs the hook`,
    });
    const again = await run([VTRACE_BIN, "setup-guest", "vm1", "--cpus", "2", "--virt-dir", virtDir, "--libvirt-hook", "--hooks-dir", hooks, "--group", "root"]);
    expect(again.stdout.trim().split("\n").at(-1)).toBe(`# libvirt hook: ${hooks}/qemu.d/vtrace is installed`);
    const xml = `<domain type='qemu'><name>vm1</name><devices>\n${channelsOf(setup.stdout)}</devices></domain>`;
    rmSync(`${dir.path}/trace-cmd`, { recursive: true }); // what a host reboot does to /tmp
    const script = `${hooks}/qemu.d/vtrace`;
    expect(await runHook(script, "vm1", xml, "start")).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(() => lstatSync(virtDir)).toThrow();
    expect(await runHook(script, "vm1", xml)).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(lstatSync(`${virtDir}/agent-ctl-path`).isSocket()).toBe(true);
    for (const f of ["trace-path-cpu0.in", "trace-path-cpu0.out", "trace-path-cpu1.in", "trace-path-cpu1.out"]) expect(lstatSync(`${virtDir}/vm1/${f}`).isFIFO()).toBe(true);
    expect(lstatSync(`${virtDir}/vm1`).mode & 0o777).toBe(0o710);
    expect(readFileSync(script, "utf8")).toContain("libvirt-hook --group root");
  });

  test("a domain without trace channels, or with another layout, starts as it would; a refused set-up stops it with one line", async () => {
    using dir = tempDir("lvhook");
    const virtDir = `${dir.path}/virt`;
    const hooks = `${dir.path}/hooks`;
    const setup = await run([VTRACE_BIN, "setup-guest", "vm1", "--cpus", "1", "--virt-dir", virtDir, "--libvirt-hook", "--hooks-dir", hooks]);
    expect(setup.code).toBe(0);
    const script = `${hooks}/qemu.d/vtrace`;
    const channels = channelsOf(setup.stdout);
    expect(await runHook(script, "plain", "<domain><name>plain</name><devices/></domain>")).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(await runHook(script, "copy", `<domain><devices>${channels}</devices></domain>`)).toEqual({
      code: 0,
      stdout: "",
      stderr: `vtrace libvirt-hook: domain 'copy' left as it is: channel trace-path-cpu0 is '${virtDir}/vm1/trace-path-cpu0', not VIRTDIR/copy/trace-path-cpu0 as setup-guest makes it\n`,
    });
    // A folder spelled with '..' (here the test's own folder: the root, had it been '/x/..') is never set up.
    const dotted = channels.replaceAll(`${virtDir}/`, `${dir.path}/x/../`);
    expect(await runHook(script, "vm1", `<domain><devices>${dotted}</devices></domain>`)).toEqual({
      code: 0,
      stdout: "",
      stderr: `vtrace libvirt-hook: domain 'vm1' left as it is: its virt folder '${dir.path}/x/..' is not a plain absolute path below /\n`,
    });
    expect(lstatSync(dir.path).mode & 0o777).toBe(0o700);
    // A virt folder that is not vtrace's (it holds other things) is left alone too.
    writeFileSync(`${virtDir}/notes.txt`, "");
    expect(await runHook(script, "vm1", `<domain><devices>${channels}</devices></domain>`)).toEqual({
      code: 0,
      stdout: "",
      stderr: `vtrace libvirt-hook: domain 'vm1' left as it is: refusing to use '${virtDir}' as the virt folder: it holds 'notes.txt', which is not vtrace's (give a new or empty folder)\n`,
    });
    rmSync(`${virtDir}/notes.txt`);
    rmSync(`${virtDir}/vm1`, { recursive: true });
    mkdirSync(`${dir.path}/elsewhere`);
    symlinkSync(`${dir.path}/elsewhere`, `${virtDir}/vm1`);
    expect(await runHook(script, "vm1", `<domain><devices>${channels}</devices></domain>`)).toEqual({
      code: 1,
      stdout: "",
      stderr: `vtrace libvirt-hook: refusing to use '${virtDir}/vm1': it is a symlink\n`,
    });
  });
});
