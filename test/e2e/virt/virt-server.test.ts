// virt-server on the host with a simulated QEMU + guest (no VM): sessions, several guests,
// garbage, a guest that vanishes, a missing FIFO, a second server.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { waitForServer } from "../../helpers/virt-server.ts";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { closeFd } from "../../../ffi/fd.ts";
import { unixConnect } from "../../../ffi/socket.ts";
import { instanceName, missing, run, skipBecause, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { connectFakeGuest, sendMetadataTo, splitV6, writeFifo } from "../../helpers/fake-guest.ts";
import { dumpFlyrecord, eventLines, traceCmd } from "../../helpers/tracecmd.ts";

const skip = skipBecause(missing({ tracefs: true, traceCmd: true, binary: true }), "virt-server e2e");

describe.skipIf(skip)("vtrace virt-server (simulated guests)", () => {
  const dir = tempDir("virt");
  const virtDir = `${dir.path}/virt`;
  const outDir = `${dir.path}/out`;
  const logFile = `${dir.path}/server.log`;
  let server: Bun.Subprocess<"ignore", "pipe", "pipe">;
  let seed: { head: Uint8Array; pages: Uint8Array };

  beforeAll(async () => {
    mkdirSync(outDir);
    for (const g of ["g1", "g2"]) {
      const r = await run([VTRACE_BIN, "setup-guest", g, "--cpus", "2", "--dir", virtDir]);
      expect(r.code).toBe(0);
    }
    const file = `${dir.path}/seed.dat`;
    const rec = await run([VTRACE_BIN, "record", "-B", instanceName("vseed"), "-e", "sched", "-o", file, "--", "sh", "-c", "ls -R /usr/lib >/dev/null"]);
    expect(rec.code).toBe(0);
    const [cpu0] = await dumpFlyrecord(file);
    seed = splitV6(file, cpu0!.offset, cpu0!.size);
    server = Bun.spawn([VTRACE_BIN, "virt-server", "--dir", virtDir, "-d", outDir, "-o", "t", "-l", logFile], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    await waitForServer(virtDir);
  }, 60_000);

  afterAll(async () => {
    server?.kill("SIGINT");
    await server?.exited;
    dir[Symbol.dispose]();
  });

  async function session(name: string, pages: Uint8Array): Promise<string> {
    const g = await connectFakeGuest(`${virtDir}/agent-ctl-path`);
    g.send({ cmd: "TINIT", cpus: 2, pageSize: 4096, options: ["virt", `name=${name}`] });
    expect(await g.next()).toEqual({ cmd: "RINIT", cpus: 2, ports: [0, 0] });
    sendMetadataTo(g, seed.head);
    await g.drained();
    await writeFifo(`${virtDir}/${name}/trace-path-cpu0.out`, pages);
    await writeFifo(`${virtDir}/${name}/trace-path-cpu1.out`, pages);
    g.send({ cmd: "CLOSE" });
    expect(await g.next(20_000)).toEqual({ cmd: "CLOSE_RESP" });
    g.close();
    return `${outDir}/t.${name}.dat`;
  }

  test("a guest session ends in NAME.DOMAIN.dat that trace-cmd reports, on both CPUs", async () => {
    const file = await session("g1", seed.pages);
    const rep = await traceCmd(["report", "-i", file]);
    expect(rep.stderr).not.toMatch(/error|failed/i);
    const lines = eventLines(rep.stdout);
    expect(lines.some((l) => l.includes("[000]"))).toBe(true);
    expect(lines.some((l) => l.includes("[001]"))).toBe(true);
  }, 60_000);

  test("two guests at once are both served", async () => {
    const [a, b] = await Promise.all([session("g1", seed.pages), session("g2", seed.pages)]);
    for (const f of [a, b]) expect((await traceCmd(["report", "-i", f])).code).toBe(0);
  }, 60_000);

  test("the same connection serves a second session", async () => {
    const g = await connectFakeGuest(`${virtDir}/agent-ctl-path`);
    for (let i = 0; i < 2; i++) {
      g.send({ cmd: "TINIT", cpus: 2, pageSize: 4096, options: ["virt", "name=g2"] });
      expect((await g.next()).cmd).toBe("RINIT");
      sendMetadataTo(g, seed.head);
      await writeFifo(`${virtDir}/g2/trace-path-cpu0.out`, seed.pages);
      g.send({ cmd: "CLOSE" });
      expect((await g.next(20_000)).cmd).toBe("CLOSE_RESP");
    }
    g.close();
  }, 60_000);

  test("garbage gets NOT_SUPP and the connection is dropped; others keep working", async () => {
    const bad = await connectFakeGuest(`${virtDir}/agent-ctl-path`);
    bad.send({ cmd: "SEND_DATA", data: new Uint8Array([1, 2, 3]) });
    expect(await bad.next()).toEqual({ cmd: "NOT_SUPP" });
    await Bun.sleep(200);
    expect(bad.closed).toBe(true);
    const worse = await connectFakeGuest(`${virtDir}/agent-ctl-path`);
    worse.sendRaw(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0, 0, 0]));
    await Bun.sleep(300);
    expect(worse.closed).toBe(true);
    expect(existsSync(await session("g1", seed.pages))).toBe(true);
  }, 60_000);

  test("a guest that vanishes mid-trace leaves a readable file of what arrived", async () => {
    const g = await connectFakeGuest(`${virtDir}/agent-ctl-path`);
    g.send({ cmd: "TINIT", cpus: 2, pageSize: 4096, options: ["virt", "name=g2"] });
    await g.next();
    sendMetadataTo(g, seed.head);
    await writeFifo(`${virtDir}/g2/trace-path-cpu1.out`, seed.pages);
    await g.drained();
    await Bun.sleep(300);
    g.close(); // QEMU died: no CLOSE
    const file = `${outDir}/t.g2.dat`;
    const until = Date.now() + 15_000;
    let lines: string[] = [];
    while (Date.now() < until) {
      const rep = await traceCmd(["report", "-i", file]);
      lines = eventLines(rep.stdout);
      if (lines.some((l) => l.includes("[001]"))) break;
      await Bun.sleep(200);
    }
    expect(lines.some((l) => l.includes("[001]"))).toBe(true);
  }, 60_000);

  test("a missing FIFO is reported with the setup-guest command that creates it", async () => {
    const g = await connectFakeGuest(`${virtDir}/agent-ctl-path`);
    g.send({ cmd: "TINIT", cpus: 4, pageSize: 4096, options: ["virt", "name=g1"] });
    expect(await g.next()).toEqual({ cmd: "NOT_SUPP" });
    g.close();
    expect(readFileSync(logFile, "utf8")).toContain(
      `g1: missing FIFO ${virtDir}/g1/trace-path-cpu2.out: run 'vtrace setup-guest g1 --cpus 4 --virt-dir ${virtDir}'`,
    );
  }, 30_000);

  test("a second server on the same folder says another one is running", async () => {
    const r = await run([VTRACE_BIN, "virt-server", "--dir", virtDir, "-d", outDir]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: `vtrace virt-server: another virt-server is already running on ${virtDir}/agent-ctl-path\n` });
    expect(readdirSync(virtDir)).toContain("agent-ctl-path");
  });
});

describe.skipIf(skip)("agent-ctl-path outlives the server (libvirt starts a domain only when the path exists)", () => {
  test("a stopped server leaves an unserved socket node; the next server takes it over in place", async () => {
    using dir = tempDir("vnode");
    const virtDir = `${dir.path}/virt`;
    const node = `${virtDir}/agent-ctl-path`;
    for (let round = 0; round < 2; round++) {
      const server = Bun.spawn([VTRACE_BIN, "virt-server", "--virt-dir", virtDir, "-d", dir.path], { stdout: "ignore", stderr: "pipe", stdin: "ignore" });
      await waitForServer(virtDir);
      closeFd(unixConnect(node));
      server.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      const st = lstatSync(node);
      expect({ socket: st.isSocket(), mode: st.mode & 0o777 }).toEqual({ socket: true, mode: 0o660 });
      expect(() => unixConnect(node)).toThrow("ECONNREFUSED");
      expect(readdirSync(virtDir).filter((n) => n.includes(".new"))).toEqual([]);
    }
  }, 30_000);
});
