import { describe, expect, test } from "bun:test";
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { unixConnect } from "../../../ffi/socket.ts";
import { VtraceError, UsageError } from "../../../src/errors.ts";
import { libvirtChannelsXml, qemuArgs } from "../../../src/virt/guest-config.ts";
import { checkDomainName } from "../../../src/virt/paths.ts";
import { ensureVirtDir, setupGuest } from "../../../src/virt/setup-guest.ts";
import { tempDir } from "../../helpers/env.ts";

describe("checkDomainName()", () => {
  test.each(["../x", "a/b", "/abs", "..", ".hidden", "", "a b", "x".repeat(65)])("refuses %j", (name) => {
    expect(() => checkDomainName(name)).toThrow(UsageError);
  });
  test.each(["guest1", "fedora-38", "vm_2.test", "a+b"])("accepts %j", (name) => {
    expect(checkDomainName(name)).toBe(name);
  });
});

describe("setupGuest()", () => {
  test("creates the folders and one FIFO pair per CPU with the modes asked for", () => {
    using dir = tempDir("sg");
    const virtDir = `${dir.path}/trace-cmd/virt`;
    const r = setupGuest({ virtDir, domain: "g1", cpus: 2, mode: 0o710 });
    expect(r.created.map((p) => p.slice(dir.path.length))).toEqual([
      "/trace-cmd",
      "/trace-cmd/virt",
      "/trace-cmd/virt/agent-ctl-path",
      "/trace-cmd/virt/g1",
      "/trace-cmd/virt/g1/trace-path-cpu0.in",
      "/trace-cmd/virt/g1/trace-path-cpu0.out",
      "/trace-cmd/virt/g1/trace-path-cpu1.in",
      "/trace-cmd/virt/g1/trace-path-cpu1.out",
    ]);
    expect(lstatSync(`${virtDir}/g1`).mode & 0o777).toBe(0o710);
    const fifo = lstatSync(`${virtDir}/g1/trace-path-cpu1.out`);
    expect({ fifo: fifo.isFIFO(), mode: fifo.mode & 0o777 }).toEqual({ fifo: true, mode: 0o660 });
    // A second run changes nothing and reports everything as already there.
    expect(setupGuest({ virtDir, domain: "g1", cpus: 2, mode: 0o710 }).created).toEqual([]);
  });

  test("leaves a folder of the user's on the way as it is, and says when the group cannot pass through it", () => {
    using dir = tempDir("sgu");
    chmodSync(dir.path, 0o700);
    const r = setupGuest({ virtDir: `${dir.path}/virt`, domain: "g1", cpus: 1, mode: 0o710, group: "65534" });
    const st = lstatSync(dir.path);
    expect({ mode: st.mode & 0o777, gid: st.gid }).toEqual({ mode: 0o700, gid: 0 });
    expect(r.closed).toEqual([dir.path]);
    expect(lstatSync(`${dir.path}/virt`).mode & 0o777).toBe(0o710);
    chmodSync(dir.path, 0o711);
    expect(setupGuest({ virtDir: `${dir.path}/virt`, domain: "g1", cpus: 1, mode: 0o750, group: "65534" }).closed).toEqual([]);
    // The virt folder and the domain's are vtrace's: a second run with another mode sets it.
    expect(lstatSync(`${dir.path}/virt`).mode & 0o777).toBe(0o750);
    expect(lstatSync(dir.path).mode & 0o777).toBe(0o711);
  });

  test("ensureVirtDir() (virt-server) makes missing folders as setup-guest does and leaves the ones there as they are", () => {
    using dir = tempDir("sgv");
    const virtDir = `${dir.path}/a/virt`;
    ensureVirtDir(virtDir, "65534");
    for (const d of [`${dir.path}/a`, virtDir]) expect({ mode: lstatSync(d).mode & 0o777, gid: lstatSync(d).gid }).toEqual({ mode: 0o710, gid: 65534 });
    chmodSync(virtDir, 0o750);
    ensureVirtDir(virtDir, "0");
    expect({ mode: lstatSync(virtDir).mode & 0o777, gid: lstatSync(virtDir).gid }).toEqual({ mode: 0o750, gid: 65534 });
    symlinkSync(virtDir, `${dir.path}/link`);
    expect(() => ensureVirtDir(`${dir.path}/link`, "0")).toThrow("it is a symlink");
  });

  test("sets the group on folders and FIFOs", () => {
    using dir = tempDir("sgg");
    const virtDir = `${dir.path}/virt`;
    setupGuest({ virtDir, domain: "g1", cpus: 1, mode: 0o750, group: "65534" });
    expect(lstatSync(`${virtDir}/g1/trace-path-cpu0.in`).gid).toBe(65534);
    expect(lstatSync(`${virtDir}/g1`).gid).toBe(65534);
  });

  test("refuses a symlinked domain folder", () => {
    using dir = tempDir("sgl");
    mkdirSync(`${dir.path}/virt`);
    mkdirSync(`${dir.path}/elsewhere`);
    symlinkSync(`${dir.path}/elsewhere`, `${dir.path}/virt/g1`);
    expect(() => setupGuest({ virtDir: `${dir.path}/virt`, domain: "g1", cpus: 1, mode: 0o710 })).toThrow(
      new VtraceError(`refusing to use '${dir.path}/virt/g1': it is a symlink`),
    );
  });

  test("refuses a folder owned by another user", () => {
    using dir = tempDir("sgo");
    mkdirSync(`${dir.path}/virt/g1`, { recursive: true });
    chownSync(`${dir.path}/virt/g1`, 65534, 65534);
    expect(() => setupGuest({ virtDir: `${dir.path}/virt`, domain: "g1", cpus: 1, mode: 0o710 })).toThrow("owned by uid 65534");
  });

  test("refuses a regular file where a FIFO belongs", async () => {
    using dir = tempDir("sgf");
    mkdirSync(`${dir.path}/virt/g1`, { recursive: true });
    await Bun.write(`${dir.path}/virt/g1/trace-path-cpu0.in`, "x");
    expect(() => setupGuest({ virtDir: `${dir.path}/virt`, domain: "g1", cpus: 1, mode: 0o710 })).toThrow("is not a FIFO");
  });

  test("leaves an unserved socket node at agent-ctl-path (libvirt starts a domain only when its channel path exists)", () => {
    using dir = tempDir("sgs");
    const virtDir = `${dir.path}/virt`;
    setupGuest({ virtDir, domain: "g1", cpus: 1, mode: 0o710, group: "65534" });
    const st = lstatSync(`${virtDir}/agent-ctl-path`);
    expect({ socket: st.isSocket(), mode: st.mode & 0o777, gid: st.gid }).toEqual({ socket: true, mode: 0o660, gid: 65534 });
    expect(() => unixConnect(`${virtDir}/agent-ctl-path`)).toThrow("ECONNREFUSED");
    expect(readdirSync(virtDir).sort()).toEqual(["agent-ctl-path", "g1"]);
  });

  test("refuses a regular file at agent-ctl-path", async () => {
    using dir = tempDir("sgr");
    mkdirSync(`${dir.path}/virt`);
    await Bun.write(`${dir.path}/virt/agent-ctl-path`, "x");
    expect(() => setupGuest({ virtDir: `${dir.path}/virt`, domain: "g1", cpus: 1, mode: 0o710 })).toThrow("is not a socket");
  });

  test("refuses a virt folder that is not a plain absolute path (the root spelled '/x/..' would get its mode) before touching the disk", () => {
    using dir = tempDir("sgp");
    for (const virtDir of [`${dir.path}/a/..`, `${dir.path}/./virt`, `${dir.path}//virt`, "/", "virt"]) {
      expect(() => setupGuest({ virtDir, domain: "g1", cpus: 1, mode: 0o710 })).toThrow(`invalid virt folder '${virtDir}'`);
      expect(() => ensureVirtDir(virtDir, "0")).toThrow(UsageError);
    }
    expect(readdirSync(dir.path)).toEqual([]);
  });

  test("refuses an existing folder holding other things as the virt folder (--virt-dir /etc by mistake), leaving it as it was", async () => {
    using dir = tempDir("sge");
    await Bun.write(`${dir.path}/passwd`, "x");
    chmodSync(dir.path, 0o755);
    expect(() => setupGuest({ virtDir: dir.path, domain: "g1", cpus: 1, mode: 0o710, group: "65534" })).toThrow(
      `refusing to use '${dir.path}' as the virt folder: it holds 'passwd', which is not vtrace's (give a new or empty folder)`,
    );
    expect({ mode: lstatSync(dir.path).mode & 0o777, entries: readdirSync(dir.path) }).toEqual({ mode: 0o755, entries: ["passwd"] });
    // A folder of vtrace's (sockets, domain folders of FIFO pairs) is used again.
    rmSync(`${dir.path}/passwd`);
    setupGuest({ virtDir: dir.path, domain: "g1", cpus: 1, mode: 0o710 });
    expect(setupGuest({ virtDir: dir.path, domain: "g2", cpus: 1, mode: 0o710 }).created).toEqual([`${dir.path}/g2`, `${dir.path}/g2/trace-path-cpu0.in`, `${dir.path}/g2/trace-path-cpu0.out`]);
    mkdirSync(`${dir.path}/g1/sub`);
    expect(() => setupGuest({ virtDir: dir.path, domain: "g2", cpus: 1, mode: 0o710 })).toThrow("it holds 'g1', which is not vtrace's");
  });

  test("refuses an escaping domain name before touching the disk", () => {
    expect(() => setupGuest({ virtDir: "/nonexistent/virt", domain: "../etc", cpus: 1, mode: 0o710 })).toThrow(UsageError);
  });
});

describe("guest wiring text", () => {
  test("libvirtChannelsXml() has the unix control channel and one pipe channel per CPU", () => {
    const xml = libvirtChannelsXml("/tmp/trace-cmd/virt", "g1", 2);
    expect(xml).toContain(
      "<source mode='connect' path='/tmp/trace-cmd/virt/agent-ctl-path'>\n    <reconnect enabled='yes' timeout='1'/>\n  </source>",
    );
    expect(xml).toContain("<source path='/tmp/trace-cmd/virt/g1/trace-path-cpu1'/>");
    expect(xml.match(/<channel type='pipe'>/g)).toHaveLength(2);
  });

  test("qemuArgs() names the guest with vCPU thread names on, and wires pipe chardevs and a reconnecting socket to named ports", () => {
    const args = qemuArgs("/v", "g1", 1);
    expect(args).toEqual([
      "-name", "guest=g1,debug-threads=on",
      "-device", "virtio-serial-pci,id=vtrace-serial0",
      "-chardev", "socket,id=vtrace-ctl,path=/v/agent-ctl-path,reconnect=1",
      "-device", "virtserialport,bus=vtrace-serial0.0,chardev=vtrace-ctl,name=agent-ctl-path",
      "-chardev", "pipe,id=vtrace-cpu0,path=/v/g1/trace-path-cpu0",
      "-device", "virtserialport,bus=vtrace-serial0.0,chardev=vtrace-cpu0,name=trace-path-cpu0",
    ]);
  });
});
