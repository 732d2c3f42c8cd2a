import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, lstatSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { VtraceError } from "../../../src/errors.ts";
import { libvirtChannelsXml } from "../../../src/virt/guest-config.ts";
import { HOOK_SCRIPT, hookScript, traceLayoutOf } from "../../../src/virt/libvirt-hook.ts";
import { installLibvirtHook } from "../../../src/virt/setup-guest.ts";
import { tempDir } from "../../helpers/env.ts";

/** A domain XML as `virsh dumpxml` gives it: libvirt's own channels beside the pasted ones, with addresses. */
function domainXml(channels: string): string {
  return `<domain type='qemu'>
  <name>vm1</name>
  <devices>
    <channel type='unix'>
      <source mode='bind' path='/var/lib/libvirt/qemu/channel/target/domain-1-vm1/org.qemu.guest_agent.0'/>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
${channels.replace(/(<target type='virtio' name='trace-path-cpu\d+'\/>)/g, "$1\n  <address type='virtio-serial' controller='0' bus='0' port='2'/>")}
  </devices>
</domain>`;
}

describe("traceLayoutOf()", () => {
  test("reads the virt folder and vCPU count from setup-guest's channels, among libvirt's own", () => {
    expect(traceLayoutOf(domainXml(libvirtChannelsXml("/tmp/trace-cmd/virt", "vm1", 3)), "vm1")).toEqual({ kind: "setup-guest", virtDir: "/tmp/trace-cmd/virt", cpus: 3 });
  });

  test("takes double quotes, attributes in any order and XML escapes", () => {
    const xml = `<channel type="pipe"><source path="/srv/a&amp;b/virt/vm1/trace-path-cpu1"/><target name="trace-path-cpu1" type="virtio"/></channel>`;
    expect(traceLayoutOf(xml, "vm1")).toEqual({ kind: "setup-guest", virtDir: "/srv/a&b/virt", cpus: 2 });
  });

  test("is none for a domain without trace channels, or with only a non-pipe one of that name", () => {
    expect(traceLayoutOf(domainXml(""), "vm1")).toEqual({ kind: "none" });
    expect(traceLayoutOf(`<channel type='unix'><source path='/x/vm1/trace-path-cpu0'/><target name='trace-path-cpu0'/></channel>`, "vm1")).toEqual({ kind: "none" });
  });

  test("says why another layout is not setup-guest's: another domain's folder, several virt folders", () => {
    expect(traceLayoutOf(libvirtChannelsXml("/tmp/trace-cmd/virt", "vm1", 1), "vm2")).toEqual({
      kind: "other",
      why: "channel trace-path-cpu0 is '/tmp/trace-cmd/virt/vm1/trace-path-cpu0', not VIRTDIR/vm2/trace-path-cpu0 as setup-guest makes it",
    });
    const pipe = (dir: string, cpu: number) => `<channel type='pipe'><source path='${dir}/vm1/trace-path-cpu${cpu}'/><target type='virtio' name='trace-path-cpu${cpu}'/></channel>`;
    const mixed = pipe("/a/virt", 0) + pipe("/b/virt", 1);
    expect(traceLayoutOf(mixed, "vm1")).toEqual({ kind: "other", why: "its trace channels are in several virt folders (/a/virt, /b/virt)" });
    expect(traceLayoutOf(pipe("/x/..", 0), "vm1")).toEqual({ kind: "other", why: "its virt folder '/x/..' is not a plain absolute path below /" });
    expect(traceLayoutOf(pipe("virt", 0), "vm1")).toEqual({ kind: "other", why: "its virt folder 'virt' is not a plain absolute path below /" });
  });
});

describe("hookScript()", () => {
  /** Runs the script as libvirt would, with a fake vtrace that records its arguments and stdin. */
  async function runHook(dir: string, args: string[], hookArgs: string[] = []) {
    const fake = `${dir}/fake vtrace's`;
    writeFileSync(fake, `#!/bin/sh\nprintf '%s|' "$@" > "${dir}/args"\ncat > "${dir}/stdin"\n`);
    chmodSync(fake, 0o755);
    writeFileSync(`${dir}/hook`, hookScript([fake], hookArgs));
    const p = Bun.spawn(["sh", `${dir}/hook`, ...args], { stdin: new TextEncoder().encode("<domain/>"), stdout: "pipe", stderr: "pipe" });
    return { code: await p.exited, args: existsSync(`${dir}/args`) ? readFileSync(`${dir}/args`, "utf8") : undefined };
  }

  test("starts vtrace only on 'prepare begin', with the domain XML on its stdin", async () => {
    using dir = tempDir("hook");
    expect(await runHook(dir.path, ["vm1", "start", "begin", "-"])).toEqual({ code: 0, args: undefined });
    expect(await runHook(dir.path, ["vm1", "prepare", "begin", "-"], ["--group", "kvm"])).toEqual({ code: 0, args: "libvirt-hook|--group|kvm|vm1|prepare|begin|-|" });
    expect(readFileSync(`${dir.path}/stdin`, "utf8")).toBe("<domain/>");
  });

  test("does nothing once vtrace is gone, so domains still start", async () => {
    using dir = tempDir("hook");
    writeFileSync(`${dir.path}/hook`, hookScript([`${dir.path}/no such vtrace`], []));
    const p = Bun.spawn(["sh", `${dir.path}/hook`, "vm1", "prepare", "begin", "-"], { stdin: "ignore", stderr: "pipe" });
    expect(await p.exited).toBe(0);
  });
});

describe("installLibvirtHook()", () => {
  test("installs the script executable, then reports it unchanged or updated", () => {
    using dir = tempDir("hooks");
    const hooks = `${dir.path}/hooks`;
    expect(installLibvirtHook(hooks, "#!/bin/sh\n")).toBe("installed");
    expect(lstatSync(`${hooks}/${HOOK_SCRIPT}`).mode & 0o777).toBe(0o755);
    expect(installLibvirtHook(hooks, "#!/bin/sh\n")).toBe("unchanged");
    expect(installLibvirtHook(hooks, "#!/bin/sh\nexit 0\n")).toBe("updated");
    expect(readFileSync(`${hooks}/${HOOK_SCRIPT}`, "utf8")).toBe("#!/bin/sh\nexit 0\n");
  });

  test("refuses a symlink where the script or its folder goes", () => {
    using dir = tempDir("hooks");
    symlinkSync("/etc", `${dir.path}/hooks`);
    expect(() => installLibvirtHook(`${dir.path}/hooks`, "x")).toThrow(VtraceError);
    using other = tempDir("hooks");
    installLibvirtHook(other.path, "x");
    const script = `${other.path}/${HOOK_SCRIPT}`;
    writeFileSync(`${other.path}/target`, "");
    rmSync(script);
    symlinkSync(`${other.path}/target`, script);
    expect(() => installLibvirtHook(other.path, "y")).toThrow(`refusing to replace '${script}': not a plain file`);
    expect(readFileSync(`${other.path}/target`, "utf8")).toBe("");
  });
});
