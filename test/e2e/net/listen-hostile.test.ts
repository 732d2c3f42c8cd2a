// `vtrace listen`'s limits one at a time: pages without metadata, metadata that stops, absurd
// CPU counts, a client that never reads its replies, the size cap on a real recording, the
// free-space floor (on a small tmpfs), --max-clients and --allow. Each refusal is one log line
// naming the peer, nothing unfinished stays on disk, and the listener's memory stays bounded.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from "node:fs";
import { encodeMessage } from "../../../src/msg/messages.ts";
import { instanceName, missing, run, skipBecause, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { splitV6 } from "../../helpers/fake-guest.ts";
import { freePort, startListener, waitForFile, type Spawned } from "../../helpers/listeners.ts";
import { dumpFlyrecord, eventLines, traceCmd } from "../../helpers/tracecmd.ts";
import { flood, memoryOf, rawClient, readRinit, sendDataBlock, V3_HELLO, v3Start } from "./hostile-clients.ts";

const skip = skipBecause(missing({ tracefs: true, traceCmd: true, binary: true }), "listen limits");
const MB = 1 << 20;

async function waitUntil(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

/** A v3 client that sends `head` as its whole metadata; its CPU 0 data connection, ready for pages. */
async function startRecording(port: number, head: Uint8Array) {
  const c = await rawClient(port);
  await c.write(v3Start({ cmd: "TINIT", cpus: 2, pageSize: 4096, options: ["tcp"] }));
  const [p0] = await readRinit(c);
  const frames = [];
  for (let at = 0; at < head.length; at += 8180) frames.push(encodeMessage({ cmd: "SEND_DATA", data: head.subarray(at, at + 8180) }));
  await c.write(Buffer.concat([...frames, encodeMessage({ cmd: "FIN_DATA" })]));
  return { control: c, data: await rawClient(p0!) };
}

function logLines(file: string): string[] {
  try {
    return readFileSync(file, "utf8").split("\n");
  } catch {
    return [];
  }
}

/** Waits for a log line matching `re`; returns it. */
async function logLine(file: string, re: RegExp, timeoutMs = 15_000): Promise<string> {
  let found: string | undefined;
  await waitUntil(`log line ${re}`, () => (found = logLines(file).find((l) => re.test(l))) !== undefined, timeoutMs);
  return found!;
}

function folderBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, f) => sum + (statSync(`${dir}/${f}`, { throwIfNoEntry: false })?.size ?? 0), 0);
}

describe.skipIf(skip)("vtrace listen limits", () => {
  const tmp = tempDir("lim");
  const out = `${tmp.path}/out`;
  const log = `${tmp.path}/listen.log`;
  let l: Spawned;
  let seed: { head: Uint8Array; pages: Uint8Array };
  let maxRssKb = 0;
  let sampler: ReturnType<typeof setInterval>;

  beforeAll(async () => {
    mkdirSync(out);
    const file = `${tmp.path}/seed.dat`;
    const rec = await run([VTRACE_BIN, "record", "-B", instanceName("lseed"), "-e", "sched", "-o", file, "--", "sh", "-c", "ls -R /usr/lib >/dev/null"]);
    expect(rec.code).toBe(0);
    const [cpu0] = await dumpFlyrecord(file);
    seed = splitV6(file, cpu0!.offset, cpu0!.size);
    const port = freePort();
    l = await startListener([VTRACE_BIN, "listen", "-p", String(port), "--bind", "127.0.0.1", "-d", out, "-o", "lim", "-l", log, "--max-size", "8M", "--max-clients", "40"], port);
    sampler = setInterval(() => (maxRssKb = Math.max(maxRssKb, memoryOf(l.proc.pid).rssKb)), 50);
  }, 60_000);

  afterAll(async () => {
    clearInterval(sampler);
    await l?.stop();
    tmp[Symbol.dispose]();
  });

  test("pages without metadata, past the size cap: cut off at the cap, then deleted", async () => {
    const c = await rawClient(l.port);
    await c.write(v3Start({ cmd: "TINIT", cpus: 2, pageSize: 4096, options: ["tcp"] }));
    const [p0] = await readRinit(c);
    const data = await rawClient(p0!);
    const pages = new Uint8Array(64 * 4096).fill(7);
    let peak = 0;
    const watch = setInterval(() => (peak = Math.max(peak, folderBytes(out))), 20);
    await flood(data, pages, 32 * MB);
    clearInterval(watch);
    const line = await logLine(log, /recording reached its size cap \(8 MiB\); deleting what arrived$/);
    expect(line).toMatch(/^client 127\.0\.0\.1:\d+: /);
    await waitUntil("files deleted", () => readdirSync(out).length === 0, 10_000);
    expect(peak).toBeLessThanOrEqual(8 * MB);
    data.end();
    c.end();
  }, 60_000);

  test("metadata that stops before FIN_DATA is deleted after its timeout", async () => {
    const c = await rawClient(l.port);
    await c.write(Buffer.concat([v3Start({ cmd: "TINIT", cpus: 1, pageSize: 4096, options: [] }), sendDataBlock(200)]));
    await waitUntil("the metadata spool", () => readdirSync(out).some((f) => f.endsWith(".meta")), 5000);
    await logLine(log, /^client 127\.0\.0\.1:\d+: 127\.0\.0\.1: timed out after \d+ ms waiting for metadata; deleting what arrived$/, 15_000);
    await waitUntil("files deleted", () => readdirSync(out).length === 0, 5000);
    expect(c.closed).toBe(true);
  }, 30_000);

  test("absurd CPU counts are refused; the server's total of data ports holds", async () => {
    const before = logLines(log).length;
    const huge = await rawClient(l.port);
    await huge.write(v3Start({ cmd: "TINIT", cpus: 4000, pageSize: 4096, options: [] }));
    const garbage = await rawClient(l.port);
    const tinit = encodeMessage({ cmd: "TINIT", cpus: 1, pageSize: 4096, options: [] }).slice();
    new DataView(tinit.buffer).setUint32(12, 1_000_000);
    await garbage.write(Buffer.concat([V3_HELLO, tinit]));
    // 10 × 256 CPUs is more than the server's 2048 data ports: some of them are refused.
    const many = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const c = await rawClient(l.port);
        await c.write(v3Start({ cmd: "TINIT", cpus: 256, pageSize: 4096, options: [] }));
        return c;
      }),
    );
    await logLine(log, /: expected TINIT with at most 256 cpus, got TINIT$/);
    await logLine(log, /: invalid cpu count 1000000/);
    await logLine(log, /: refused: 256 more data ports would pass the server's limit$/);
    const refused = logLines(log).slice(before).filter((x) => /more data ports would pass/.test(x)).length;
    expect(refused).toBeGreaterThanOrEqual(2);
    for (const c of [huge, garbage, ...many]) c.end();
    await waitUntil("files deleted", () => readdirSync(out).length === 0, 15_000);
  }, 60_000);

  test("a client that sends without reading its replies is dropped", async () => {
    const c = await rawClient(l.port);
    c.stopReading();
    await c.write(Buffer.concat([v3Start({ cmd: "TINIT", cpus: 1, pageSize: 4096, options: [] }), sendDataBlock(1), encodeMessage({ cmd: "FIN_DATA" })]));
    const junk = Buffer.concat(Array.from({ length: 4096 }, () => encodeMessage({ cmd: "RINIT", cpus: 1, ports: [1] })));
    let sent = 0;
    while (sent < 512 * MB && (await c.write(junk))) sent += junk.length;
    await logLine(log, /: sends RINIT messages but does not read the replies; writing what arrived$/);
    expect(c.closed).toBe(true);
    await waitUntil("files deleted", () => readdirSync(out).length === 0, 10_000);
  }, 60_000);

  test("a real recording past --max-size is closed at the cap as a readable file", async () => {
    // The seed's head describes its machine's 2 CPUs; the pages all go to CPU 0.
    const { control: c, data } = await startRecording(l.port, seed.head);
    await flood(data, seed.pages, 16 * MB);
    await logLine(log, /recording reached its size cap \(8 MiB\); writing what arrived$/);
    const file = await waitForFile(out, ".dat", 15_000);
    expect(statSync(file).size).toBeLessThanOrEqual(8 * MB + 64 * 1024);
    const r = await traceCmd(["report", "-i", file]);
    expect(r.stderr).not.toMatch(/error|failed|truncated/i);
    expect(eventLines(r.stdout).length).toBeGreaterThan(100);
    data.end();
    c.end();
    rmSync(file);
  }, 60_000);

  test("the listener stayed small and still records real clients", async () => {
    expect(l.proc.exitCode).toBeNull();
    console.log(`listen limits: max VmRSS ${(maxRssKb / 1024).toFixed(1)} MB`);
    expect(maxRssKb).toBeLessThanOrEqual(150 * 1024);
    const rec = await run([VTRACE_BIN, "record", "-B", instanceName("lim"), "-N", `127.0.0.1:${l.port}`, "-e", "sched", "--", "sleep", "0.3"]);
    expect(rec.code).toBe(0);
    const file = await waitForFile(out, ".dat", 15_000);
    expect(eventLines((await traceCmd(["report", "-i", file])).stdout).length).toBeGreaterThan(5);
  }, 60_000);
});

describe.skipIf(skip)("who may connect, how many, how full the disk may get", () => {
  test("without --allow the start-up line says anyone may record; --allow refuses other peers at accept", async () => {
    using dir = tempDir("allow");
    const log = `${dir.path}/listen.log`;
    const port = freePort();
    const any = await startListener([VTRACE_BIN, "listen", "-p", String(port), "--bind", "127.0.0.1", "-d", dir.path, "-l", log], port);
    await any.stop();
    expect(await new Response(any.proc.stderr).text()).toBe(
      `vtrace listen: listening on 127.0.0.1:${port}; without --allow it accepts recordings from anyone who can reach the port\n`,
    );
    // -D: stderr goes nowhere, so the log has the same line.
    const daemonLog = `${dir.path}/daemon.log`;
    const daemonPort = freePort();
    const d = await run([VTRACE_BIN, "listen", "-p", String(daemonPort), "--bind", "127.0.0.1", "-d", dir.path, "-l", daemonLog, "-D"]);
    const pid = Number(/pid (\d+)/.exec(d.stderr)?.[1]);
    try {
      expect(await logLine(daemonLog, /^vtrace listen: listening on/)).toBe(`vtrace listen: listening on 127.0.0.1:${daemonPort}; without --allow it accepts recordings from anyone who can reach the port`);
    } finally {
      if (pid > 0) process.kill(pid, "SIGTERM");
    }
    const port2 = freePort();
    const only = await startListener([VTRACE_BIN, "listen", "-p", String(port2), "--bind", "127.0.0.1", "-d", dir.path, "-l", log, "--allow", "10.0.0.0/8", "--allow", "fd00::/8"], port2);
    try {
      const rec = await run([VTRACE_BIN, "record", "-B", instanceName("allow"), "-N", `127.0.0.1:${port2}`, "-e", "sched", "--", "true"]);
      expect(rec.code).not.toBe(0);
      await logLine(log, /^refused 127\.0\.0\.1:\d+: not in --allow$/);
    } finally {
      await only.stop();
    }
    expect(await new Response(only.proc.stderr).text()).toMatch(/accepting recordings from 10\.0\.0\.0\/8, fd00::\/8\n$/);
    const port3 = freePort();
    const lo = await startListener([VTRACE_BIN, "listen", "-p", String(port3), "--bind", "127.0.0.1", "-d", dir.path, "-l", log, "--allow", "127.0.0.0/8"], port3);
    try {
      const rec = await run([VTRACE_BIN, "record", "-B", instanceName("allow"), "-N", `127.0.0.1:${port3}`, "-e", "sched", "--", "sleep", "0.2"]);
      expect(rec.code).toBe(0);
      await waitForFile(dir.path, ".dat", 15_000);
    } finally {
      await lo.stop();
    }
  }, 60_000);

  test("bad --allow, --max-size, --min-free and --max-clients are one-line usage errors", async () => {
    for (const [flag, value, msg] of [
      ["--allow", "10.0.0.0/40", "vtrace listen: invalid --allow '10.0.0.0/40': the prefix must be 0 to 32\n"],
      ["--max-size", "lots", "vtrace listen: invalid --max-size 'lots': expected a size such as 4G, 512M or 100k\n"],
      ["--min-free", "1Q", "vtrace listen: invalid --min-free '1Q': expected a size such as 4G, 512M or 100k\n"],
      ["--max-clients", "0", "vtrace listen: invalid --max-clients '0': expected an integer from 1 to 4096\n"],
    ]) {
      const r = await run([VTRACE_BIN, "listen", "-p", String(freePort()), flag!, value!]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: msg! });
    }
  });

  test("--max-clients: one more client is refused at accept with one line", async () => {
    using dir = tempDir("maxc");
    const log = `${dir.path}/listen.log`;
    const port = freePort();
    const l = await startListener([VTRACE_BIN, "listen", "-p", String(port), "--bind", "127.0.0.1", "-d", dir.path, "-l", log, "--max-clients", "3"], port);
    try {
      await logLine(log, /waiting for protocol greeting$/); // the start-up probe's connection is gone
      const held = await Promise.all(Array.from({ length: 3 }, () => rawClient(port)));
      await waitUntil("3 clients", () => logLines(log).filter((x) => x.startsWith("Connected with")).length >= 3, 5000);
      const extra = await rawClient(port);
      const line = await logLine(log, /^refused 127\.0\.0\.1:\d+: already serving --max-clients 3$/);
      expect(line).toBeDefined();
      await waitUntil("the refused client closed", () => extra.closed, 5000);
      for (const c of held) c.end();
    } finally {
      await l.stop();
    }
  }, 30_000);
});

/** A small tmpfs to fill, or why there is none. */
function mountSmallDisk(path: string, mb: number): string | undefined {
  mkdirSync(path);
  const r = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", `size=${mb}m`, "tmpfs", path], { stderr: "pipe" });
  return r.exitCode === 0 ? undefined : `cannot mount a tmpfs: ${r.stderr.toString().trim()}`;
}

describe.skipIf(skip)("the free-space floor", () => {
  test("below --min-free new clients are refused; a running recording is closed as a readable file with room left to write it", async () => {
    using tmp = tempDir("floor");
    const disk = `${tmp.path}/disk`;
    const why = mountSmallDisk(disk, 64);
    if (why) {
      console.warn(`skip free-space floor: ${why}`);
      return;
    }
    const log = `${tmp.path}/listen.log`;
    const port = freePort();
    const l = await startListener([VTRACE_BIN, "listen", "-p", String(port), "--bind", "127.0.0.1", "-d", disk, "-o", "fl", "-l", log, "--min-free", "16M"], port);
    try {
      const file = `${tmp.path}/seed.dat`;
      expect((await run([VTRACE_BIN, "record", "-B", instanceName("fseed"), "-e", "sched", "-o", file, "--", "sh", "-c", "ls -R /usr/lib >/dev/null"])).code).toBe(0);
      const [cpu0] = await dumpFlyrecord(file);
      const seed = splitV6(file, cpu0!.offset, cpu0!.size);

      writeFileSync(`${disk}/filler`, new Uint8Array(50 * MB));
      const refused = await rawClient(port);
      await logLine(log, new RegExp(`^refused 127\\.0\\.0\\.1:\\d+: only [\\d.]+ MiB free in ${disk}, below the --min-free floor of 16 MiB$`));
      await waitUntil("the refused client closed", () => refused.closed, 5000);
      rmSync(`${disk}/filler`);

      const { control: c, data } = await startRecording(port, seed.head);
      await flood(data, seed.pages, 128 * MB);
      await logLine(log, /^client 127\.0\.0\.1:\d+: only .* free in .* once running recordings are written, below the --min-free floor of 16 MiB; writing what arrived$/);
      const out = await waitForFile(disk, ".dat", 15_000);
      expect(logLines(log).some((x) => /cannot write/.test(x))).toBe(false);
      const r = await traceCmd(["report", "-i", out]);
      expect(r.stderr).not.toMatch(/error|failed|truncated/i);
      expect(eventLines(r.stdout).length).toBeGreaterThan(100);
      expect(readdirSync(disk).filter((f) => !f.endsWith(".dat"))).toEqual([]);
      expect(statfsSync(disk).bavail * statfsSync(disk).bsize).toBeGreaterThanOrEqual(16 * MB - 4 * MB);
      data.end();
      c.end();
    } finally {
      await l.stop();
      Bun.spawnSync(["umount", disk]);
    }
  }, 60_000);
});
