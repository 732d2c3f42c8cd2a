// virt-server against guests it must not trust (simulated QEMU + guest, no VM): a guest that
// sends metadata without end, and one whose pages come faster than the disk takes them. The
// server's memory (VmRSS from /proc) and its output folder stay bounded, the capped recording is a
// readable file, and another guest still records afterwards.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { constants, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync } from "node:fs";
import { MSG_MAX_DATA_LEN } from "../../../src/msg/commands.ts";
import { encodeMessage } from "../../../src/msg/messages.ts";
import { instanceName, missing, run, skipBecause, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { connectFakeGuest, sendMetadataTo, splitV6, writeFifo } from "../../helpers/fake-guest.ts";
import { waitForServer } from "../../helpers/virt-server.ts";
import { dumpFlyrecord, eventLines, traceCmd } from "../../helpers/tracecmd.ts";
import { memoryOf } from "../net/hostile-clients.ts";

const skip = skipBecause(missing({ tracefs: true, traceCmd: true, binary: true }), "virt-server flood");
const MB = 1 << 20;
const CAP_MB = Number(process.env.VFLOOD_CAP_MB ?? 16);

async function waitUntil(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

/** Writes `bytes` again and again into a FIFO until `total` went in or it took nothing for `stallMs`. */
async function floodFifo(path: string, bytes: Uint8Array, total: number, stallMs: number): Promise<number> {
  const fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  let sent = 0;
  let lastProgress = Date.now();
  try {
    while (sent < total && Date.now() - lastProgress < stallMs) {
      const at = sent % bytes.length;
      try {
        sent += writeSync(fd, bytes, at, Math.min(65536, bytes.length - at));
        lastProgress = Date.now();
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EPIPE") break; // the server stopped reading this guest
        if (code !== "EAGAIN") throw e;
        await Bun.sleep(2);
      }
    }
  } finally {
    closeSync(fd);
  }
  return sent;
}

describe.skipIf(skip)("virt-server under a flood (simulated guests)", () => {
  const dir = tempDir("vflood");
  const virtDir = `${dir.path}/virt`;
  const outDir = `${dir.path}/out`;
  const logFile = `${dir.path}/server.log`;
  let server: Bun.Subprocess<"ignore", "pipe", "pipe">;
  let seed: { head: Uint8Array; pages: Uint8Array };
  let maxRssKb = 0;
  let maxOutBytes = 0;
  let sampler: ReturnType<typeof setInterval>;
  const log = () => (readFileSync(logFile, "utf8") as string).split("\n");

  beforeAll(async () => {
    mkdirSync(outDir);
    for (const g of ["f1", "f2", "f3"]) expect((await run([VTRACE_BIN, "setup-guest", g, "--cpus", "2", "--virt-dir", virtDir])).code).toBe(0);
    const file = `${dir.path}/seed.dat`;
    const rec = await run([VTRACE_BIN, "record", "-B", instanceName("vfseed"), "-e", "sched", "-o", file, "--", "sh", "-c", "ls -R /usr/lib >/dev/null"]);
    expect(rec.code).toBe(0);
    const [cpu0] = await dumpFlyrecord(file);
    seed = splitV6(file, cpu0!.offset, cpu0!.size);
    server = Bun.spawn([VTRACE_BIN, "virt-server", "--virt-dir", virtDir, "-d", outDir, "-o", "t", "-l", logFile, "--max-size", `${CAP_MB}M`], {
      stdout: "pipe",
      stderr: "pipe",
      stdin: "ignore",
    });
    await waitForServer(virtDir);
    sampler = setInterval(() => {
      maxRssKb = Math.max(maxRssKb, memoryOf(server.pid).rssKb);
      maxOutBytes = Math.max(maxOutBytes, readdirSync(outDir).reduce((s, f) => s + (statSync(`${outDir}/${f}`, { throwIfNoEntry: false })?.size ?? 0), 0));
    }, 20);
  }, 60_000);

  afterAll(async () => {
    clearInterval(sampler);
    server?.kill("SIGINT");
    await server?.exited;
    dir[Symbol.dispose]();
  });

  test("a guest whose pages come faster than the disk takes them: closed at --max-size as a readable file", async () => {
    const g = await connectFakeGuest(`${virtDir}/agent-ctl-path`);
    g.send({ cmd: "TINIT", cpus: 2, pageSize: 4096, options: ["virt", "name=f2"] });
    expect((await g.next()).cmd).toBe("RINIT");
    sendMetadataTo(g, seed.head);
    await g.drained();
    const sent = await Promise.all([0, 1].map((cpu) => floodFifo(`${virtDir}/f2/trace-path-cpu${cpu}.out`, seed.pages, 512 * MB, 2000)));
    await waitUntil("the capped file", () => readdirSync(outDir).includes("t.f2.dat") && log().some((l) => l.startsWith("wrote ") && l.includes("t.f2.dat")), 20_000);
    expect(log()).toContain(`f2: recording reached its size cap (${CAP_MB} MiB); writing what arrived`);
    const file = `${outDir}/t.f2.dat`;
    expect(statSync(file).size).toBeLessThanOrEqual(CAP_MB * MB + 64 * 1024);
    const rep = await traceCmd(["report", "-i", file]);
    expect(rep.stderr).not.toMatch(/error|failed|truncated/i);
    expect(eventLines(rep.stdout).length).toBeGreaterThan(100);
    await waitUntil("the guest dropped", () => g.closed, 10_000);
    console.log(`virt flood: the guest pushed ${((sent[0]! + sent[1]!) / MB).toFixed(0)} MB into its FIFOs; output folder peak ${(maxOutBytes / MB).toFixed(1)} MB`);
    // The movers are measured every 100 ms: the disk may briefly hold a little more than the cap.
    expect(maxOutBytes).toBeLessThanOrEqual(3 * CAP_MB * MB);
    // Pages go FIFO → file inside the kernel (splice): the server's memory does not grow with them.
    const hwm = memoryOf(server.pid).hwmKb;
    console.log(`virt flood: virt-server VmHWM ${(hwm / 1024).toFixed(1)} MB after the page flood`);
    expect(hwm).toBeLessThanOrEqual(150 * 1024);
  }, 60_000);

  test("a guest that sends metadata without end is cut off at the cap; nothing of it stays", async () => {
    const g = await connectFakeGuest(`${virtDir}/agent-ctl-path`);
    g.send({ cmd: "TINIT", cpus: 2, pageSize: 4096, options: ["virt", "name=f1"] });
    expect((await g.next()).cmd).toBe("RINIT");
    const frame = encodeMessage({ cmd: "SEND_DATA", data: new Uint8Array(MSG_MAX_DATA_LEN).fill(0x42) });
    const block = Buffer.concat(Array.from({ length: 64 }, () => frame));
    let sent = 0;
    while (sent < 100 * MB && !g.closed) {
      g.sendRaw(block);
      await g.drained();
      sent += block.length;
    }
    await waitUntil("the guest dropped", () => g.closed, 20_000);
    // Its metadata goes to disk as it arrives, and the control channel holds at most 1 MiB unread.
    const hwmMb = memoryOf(server.pid).hwmKb / 1024;
    console.log(`virt flood: the guest sent ${(sent / MB).toFixed(0)} MB of metadata before it was dropped; server VmHWM ${hwmMb.toFixed(1)} MB`);
    expect(sent).toBeLessThan(100 * MB);
    expect(hwmMb).toBeLessThanOrEqual(150);
    // Cut at the size cap, or at the 64 MiB metadata cap when that is lower.
    expect(log().some((l) => /^f1: (recording reached its size cap \(16 MiB\)|metadata larger than \d+ bytes)/.test(l))).toBe(true);
    await waitUntil("nothing left of f1", () => !readdirSync(outDir).some((f) => f.startsWith("t.f1")), 10_000);
  }, 60_000);

  test("an agent whose pages pass --max-size during record -A: no more pages are read, the guest file keeps to the cap", async () => {
    const g = await connectFakeGuest(`${virtDir}/agent-ctl-path`);
    g.send({ cmd: "TINIT", cpus: 2, pageSize: 4096, options: ["agent", "name=f4"] });
    expect((await g.next()).cmd).toBe("RINIT");
    expect((await run([VTRACE_BIN, "setup-guest", "f4", "--cpus", "2", "--virt-dir", virtDir])).code).toBe(0);
    const out = `${dir.path}/agent/t.dat`;
    mkdirSync(`${dir.path}/agent`);
    const rec = Bun.spawn([VTRACE_BIN, "record", "-B", instanceName("vfa"), "-e", "sched", "-A", "f4", "-e", "sched", "-o", out, "--virt-dir", virtDir, "--", "sleep", "4"], { stdout: "ignore", stderr: "pipe" });
    expect((await g.next(20_000)).cmd).toBe("TRACE_REQ");
    g.send({ cmd: "TRACE_RESP", flags: 0, cpus: 2, pageSize: 4096, traceId: 7n, tsyncProto: "", tsyncPort: 0, ports: [0, 0] });
    sendMetadataTo(g, seed.head);
    // The fake agent answers clock-sync probes and CLOSE, and floods its trace ports meanwhile.
    const answering = (async () => {
      for (;;) {
        const m = await g.next(60_000);
        if (m.cmd === "TIME_SYNC") g.send({ ...m, msgId: 2 });
        if (m.cmd === "CLOSE") return g.send({ cmd: "CLOSE_RESP" });
      }
    })();
    const sent = await Promise.all([0, 1].map((cpu) => floodFifo(`${virtDir}/f4/trace-path-cpu${cpu}.out`, seed.pages, 512 * MB, 3000)));
    await answering;
    const stderr = await new Response(rec.stderr).text();
    expect({ code: await rec.exited, stderr }).toMatchObject({ code: 0 });
    expect(log()).toContain(`agent f4: recording reached its size cap (${CAP_MB} MiB); no more pages are read, the file keeps what fit`);
    const guestFile = `${dir.path}/agent/t-f4.dat`;
    console.log(`virt flood: the agent pushed ${((sent[0]! + sent[1]!) / MB).toFixed(0)} MB; its file is ${(statSync(guestFile).size / MB).toFixed(1)} MB`);
    expect(statSync(guestFile).size).toBeLessThanOrEqual(CAP_MB * MB + 64 * 1024);
    expect(eventLines((await traceCmd(["report", "-i", guestFile])).stdout).length).toBeGreaterThan(100);
    g.close();
  }, 90_000);

  test("an agent that takes TRACE_REQ but sends no metadata: the start fails, the server ends that session (CLOSE), and the next record -A records the guest", async () => {
    const g = await connectFakeGuest(`${virtDir}/agent-ctl-path`);
    g.send({ cmd: "TINIT", cpus: 2, pageSize: 4096, options: ["agent", "name=f5"] });
    expect((await g.next()).cmd).toBe("RINIT");
    expect((await run([VTRACE_BIN, "setup-guest", "f5", "--cpus", "2", "--virt-dir", virtDir])).code).toBe(0);
    mkdirSync(`${dir.path}/late`);
    const record = (n: number) =>
      run([VTRACE_BIN, "record", "-B", instanceName("vfl"), "-e", "sched", "-A", "f5", "-e", "sched", "-o", `${dir.path}/late/t${n}.dat`, "--virt-dir", virtDir, "--", "sleep", "1"], { timeoutMs: 90_000 });
    const first = record(1);
    expect((await g.next(20_000)).cmd).toBe("TRACE_REQ");
    g.send({ cmd: "TRACE_RESP", flags: 0, cpus: 2, pageSize: 4096, traceId: 7n, tsyncProto: "", tsyncPort: 0, ports: [0, 0] });
    // No metadata: the server gives up on the start, then tells the agent to end its session.
    expect((await g.next(30_000)).cmd).toBe("CLOSE");
    const failed = await first;
    expect(failed.stderr).toContain("1 of 1 guest not recorded: f5 (f5: no metadata from the agent within");
    g.send({ cmd: "CLOSE_RESP" });
    const second = record(2);
    expect((await g.next(20_000)).cmd).toBe("TRACE_REQ");
    g.send({ cmd: "TRACE_RESP", flags: 0, cpus: 2, pageSize: 4096, traceId: 8n, tsyncProto: "", tsyncPort: 0, ports: [0, 0] });
    sendMetadataTo(g, seed.head);
    for (;;) {
      const m = await g.next(60_000);
      if (m.cmd === "TIME_SYNC") g.send({ ...m, msgId: 2 });
      if (m.cmd === "CLOSE") break;
    }
    g.send({ cmd: "CLOSE_RESP" });
    const ok = await second;
    expect({ code: ok.code, guestFile: existsSync(`${dir.path}/late/t2-f5.dat`) }).toEqual({ code: 0, guestFile: true });
    g.close();
  }, 120_000);

  test("the server is still up, and another guest still records", async () => {
    expect(server.exitCode).toBeNull();
    console.log(`virt flood: virt-server max VmRSS ${(maxRssKb / 1024).toFixed(1)} MB, VmHWM ${(memoryOf(server.pid).hwmKb / 1024).toFixed(1)} MB`);
    const g = await connectFakeGuest(`${virtDir}/agent-ctl-path`);
    g.send({ cmd: "TINIT", cpus: 2, pageSize: 4096, options: ["virt", "name=f3"] });
    expect((await g.next()).cmd).toBe("RINIT");
    sendMetadataTo(g, seed.head);
    await g.drained();
    await writeFifo(`${virtDir}/f3/trace-path-cpu0.out`, seed.pages);
    g.send({ cmd: "CLOSE" });
    expect(await g.next(20_000)).toEqual({ cmd: "CLOSE_RESP" });
    g.close();
    const rep = await traceCmd(["report", "-i", `${outDir}/t.f3.dat`]);
    // Every page sent arrives: as many events as the seed recording's CPU 0 holds.
    const seedCpu0 = eventLines((await traceCmd(["report", "--cpu", "0", "-i", `${dir.path}/seed.dat`])).stdout).length;
    expect(seedCpu0).toBeGreaterThan(0);
    expect(eventLines(rep.stdout).length).toBe(seedCpu0);
  }, 60_000);
});
