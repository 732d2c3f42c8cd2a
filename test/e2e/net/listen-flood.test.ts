// `vtrace listen` against peers it must not trust: many clients flooding metadata that never
// ends, pages without metadata, absurd CPU counts, clients that never read, peers outside
// --allow, a full disk. The listener's memory (VmHWM from /proc) and its output folder stay
// bounded, and real clients (vtrace and trace-cmd) still record afterwards.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { instanceName, missing, run, skipBecause, TRACEFS, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { freePort, startListener, waitForFile, type Spawned } from "../../helpers/listeners.ts";
import { eventLines, traceCmd } from "../../helpers/tracecmd.ts";
import { flood, memoryOf, rawClient, type RawClient, sendDataBlock, v3Start } from "./hostile-clients.ts";

const skip = skipBecause(missing({ tracefs: true, traceCmd: true, binary: true }), "listen flood");
const MB = 1 << 20;
const FLOOD_CLIENTS = Number(process.env.FLOOD_CLIENTS ?? 30);
const FLOOD_MB = Number(process.env.FLOOD_MB ?? 100);

function dirBytes(dir: string): number {
  let sum = 0;
  for (const f of readdirSync(dir)) {
    try {
      sum += statSync(`${dir}/${f}`).size;
    } catch {
      // deleted meanwhile
    }
  }
  return sum;
}

/** Samples the listener's memory and its folder's size until stopped. */
function sampler(pid: number, dir: string) {
  let maxDir = 0;
  let maxRss = 0;
  const timer = setInterval(() => {
    maxDir = Math.max(maxDir, dirBytes(dir));
    maxRss = Math.max(maxRss, memoryOf(pid).rssKb);
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return { maxDir, maxRssKb: maxRss, hwmKb: memoryOf(pid).hwmKb };
    },
  };
}

async function waitUntil(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

async function idlePeers(port: number, n: number): Promise<RawClient[]> {
  const start = Buffer.concat([v3Start({ cmd: "TINIT", cpus: 2, pageSize: 4096, options: [] }), sendDataBlock(1)]);
  return Promise.all(
    Array.from({ length: n }, async () => {
      const c = await rawClient(port);
      await c.write(start);
      return c;
    }),
  );
}

async function recordsNormally(port: number, dir: string, prefix: string): Promise<void> {
  const before = new Set(readdirSync(dir));
  const rec = await run([VTRACE_BIN, "record", "-B", instanceName(prefix), "-N", `127.0.0.1:${port}`, "-e", "sched", "--", "sleep", "0.3"]);
  expect(rec.code).toBe(0);
  await expectNewReadableFile(dir, before);
  const saved = readFileSync(`${TRACEFS}/set_event`, "utf8");
  const before2 = new Set(readdirSync(dir));
  try {
    // Debian's trace-cmd record needs -d --no-filter on this locked-down kernel; it exits 1 at cleanup.
    await run(["trace-cmd", "record", "-d", "--no-filter", "-N", `127.0.0.1:${port}`, "-e", "sched_switch", "sleep", "0.3"], { cwd: dir });
  } finally {
    writeFileSync(`${TRACEFS}/set_event`, "");
    for (const line of saved.split("\n").filter(Boolean)) writeFileSync(`${TRACEFS}/set_event`, `${line}\n`, { flag: "a" });
  }
  await expectNewReadableFile(dir, before2);
}

async function expectNewReadableFile(dir: string, before: Set<string>): Promise<void> {
  let file = "";
  await waitUntil("a new output file", () => {
    file = readdirSync(dir).find((f) => f.endsWith(".dat") && !before.has(f)) ?? "";
    return file !== "";
  }, 20_000);
  await waitForFile(dir, file, 10_000);
  const r = await traceCmd(["report", "-i", `${dir}/${file}`]);
  expect(r.stderr).not.toMatch(/error|failed|truncated/i);
  expect(eventLines(r.stdout).some((l) => / sched_switch/.test(l))).toBe(true);
}

async function listener(dir: string, log: string, extra: string[] = []): Promise<Spawned> {
  const port = freePort();
  return startListener([VTRACE_BIN, "listen", "-p", String(port), "--bind", "127.0.0.1", "-d", dir, "-o", "fl", "-l", log, ...extra], port);
}

describe.skipIf(skip)("vtrace listen under a flood", () => {
  test(`${FLOOD_CLIENTS} clients × ${FLOOD_MB} MB of metadata that never ends: bounded memory and disk, then real clients record`, async () => {
    using dir = tempDir("flood");
    using logDir = tempDir("floodlog");
    const log = `${logDir.path}/listen.log`;
    const l = await listener(dir.path, log);
    try {
      const pid = l.proc.pid;
      // Memory per connected peer: 40 more peers past the handshake, TINIT and some metadata.
      const warm = await idlePeers(l.port, 5);
      await Bun.sleep(1000);
      const before = memoryOf(pid).rssKb;
      const peers = await idlePeers(l.port, 40);
      await Bun.sleep(1500);
      const after = memoryOf(pid).rssKb;
      const perPeerKb = (after - before) / 40;
      for (const c of [...warm, ...peers]) c.end();
      await waitUntil("idle peers cleaned up", () => readdirSync(dir.path).length === 0, 15_000);

      const s = sampler(pid, dir.path);
      const t0 = performance.now();
      const block = sendDataBlock(64);
      const sent = await Promise.all(
        Array.from({ length: FLOOD_CLIENTS }, async () => {
          const c = await rawClient(l.port);
          await c.write(v3Start({ cmd: "TINIT", cpus: 4, pageSize: 4096, options: [] }));
          const n = await flood(c, block, FLOOD_MB * MB);
          return { n, cut: c.closed };
        }),
      );
      const floodMs = performance.now() - t0;
      // Cut-off spools are deleted at once; streams that stay unfinished, after their timeout.
      await waitUntil("flood files deleted", () => readdirSync(dir.path).length === 0, 20_000);
      const m = s.stop();
      const total = sent.reduce((a, b) => a + b.n, 0);
      console.log(
        `listen flood: ${FLOOD_CLIENTS} clients sent ${(total / MB).toFixed(0)} MB in ${(floodMs / 1000).toFixed(1)} s (${sent.filter((x) => x.cut).length} cut off); ` +
          `listener VmHWM ${(m.hwmKb / 1024).toFixed(1)} MB, max VmRSS ${(m.maxRssKb / 1024).toFixed(1)} MB, ${perPeerKb.toFixed(0)} KiB per idle peer, output folder peak ${(m.maxDir / MB).toFixed(0)} MB`,
      );
      expect(m.hwmKb).toBeLessThanOrEqual(150 * 1024);
      expect(perPeerKb).toBeLessThanOrEqual(2 * 1024);
      // Each client's metadata spool is cut at the 64 MiB metadata cap.
      expect(m.maxDir).toBeLessThanOrEqual(FLOOD_CLIENTS * 65 * MB);
      const lines = readFileSync(log, "utf8").split("\n");
      expect(lines.filter((x) => /^client 127\.0\.0\.1:\d+: .*; deleting what arrived$/.test(x)).length).toBeGreaterThanOrEqual(FLOOD_CLIENTS + 45);
      expect(l.proc.exitCode).toBeNull();
      await recordsNormally(l.port, dir.path, "fl");
    } finally {
      await l.stop();
    }
  }, 180_000);
});
