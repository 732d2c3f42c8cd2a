// A live `vtrace listen` under fire: over 10,000 random, mutated and garbage frames from
// many connections; afterwards it still serves a normal client and wrote nothing stray.

import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { MSG_MAX_DATA_LEN } from "../../../src/msg/commands.ts";
import { V3_CPU, V3_MAGIC } from "../../../src/msg/handshake.ts";
import { encodeMessage, type Message } from "../../../src/msg/messages.ts";
import { instanceName, missing, run, skipBecause, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { freePort, startListener } from "../../helpers/listeners.ts";
import { eventLines, traceCmd } from "../../helpers/tracecmd.ts";

const skip = skipBecause(missing({ tracefs: true, traceCmd: true, binary: true }), "listen fuzz");
const SEED = Number(process.env.FUZZ_SEED ?? 1234);
const MIN_FRAMES = Number(process.env.FUZZ_FRAMES ?? 10_000);
const FRAMES_PER_CONNECTION = 90;

function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
}

function randomFrame(r: () => number): Uint8Array {
  const pick = r();
  const u32 = () => Math.floor(r() * 2 ** 32);
  const valid: Message[] = [
    { cmd: "TINIT", cpus: 1 + Math.floor(r() * 3), pageSize: 4096, options: r() < 0.5 ? ["tcp"] : [] },
    { cmd: "SEND_DATA", data: new Uint8Array(Math.floor(r() * 64)).map(() => u32() & 0xff) },
    { cmd: "FIN_DATA" },
    { cmd: "CLOSE" },
    { cmd: "NOT_SUPP" },
    { cmd: "RINIT", cpus: 1, ports: [u32() & 0xffff] },
    { cmd: "TIME_SYNC", proto: "kvm", msgId: u32(), payload: new Uint8Array(8) },
  ];
  const base = encodeMessage(valid[Math.floor(r() * valid.length)]!).slice();
  if (pick < 0.4) return base;
  if (pick < 0.8) {
    for (let k = 0; k < 1 + Math.floor(r() * 3); k++) base[Math.floor(r() * base.length)] = u32() & 0xff;
    return base;
  }
  // garbage with a plausible or hostile header
  const body = new Uint8Array(Math.floor(r() * 200)).map(() => u32() & 0xff);
  const size = r() < 0.5 ? 12 + body.length : u32();
  const frame = new Uint8Array(12 + body.length);
  const dv = new DataView(frame.buffer);
  dv.setUint32(0, size >>> 0);
  dv.setUint32(4, Math.floor(r() * 16));
  dv.setUint32(8, Math.floor(r() * 64));
  frame.set(body, 12);
  return frame.subarray(0, Math.min(frame.length, MSG_MAX_DATA_LEN));
}

async function hostileConnection(port: number, r: () => number): Promise<number> {
  let closed = false;
  const sock = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: { data() {}, close: () => void (closed = true), error: () => void (closed = true) },
  });
  if (r() < 0.8) {
    sock.write(V3_CPU);
    sock.write(V3_MAGIC);
  } else {
    sock.write(new Uint8Array(Math.floor(r() * 40)).map(() => Math.floor(r() * 256)));
  }
  // Count only frames written while the server still had the connection open.
  let sent = 0;
  while (sent < FRAMES_PER_CONNECTION && !closed) {
    sock.write(randomFrame(r));
    await Bun.sleep(0);
    if (!closed) sent++;
  }
  sock.end();
  return sent;
}

describe.skipIf(skip)("vtrace listen fuzz", () => {
  test(`${MIN_FRAMES}+ hostile frames, then a normal client still records (seed ${SEED})`, async () => {
    using dir = tempDir("fuzz");
    const port = freePort();
    const listener = await startListener([VTRACE_BIN, "listen", "-p", String(port), "--bind", "127.0.0.1", "-d", dir.path, "-o", "fz"], port);
    try {
      const r = rng(SEED);
      let frames = 0;
      let connections = 0;
      while (frames < MIN_FRAMES && connections < 20_000) {
        const counts = await Promise.all(Array.from({ length: 20 }, () => hostileConnection(port, r)));
        frames += counts.reduce((a, b) => a + b, 0);
        connections += 20;
      }
      console.log(`listen fuzz: ${frames} frames delivered over ${connections} connections`);
      expect(frames).toBeGreaterThanOrEqual(MIN_FRAMES);
      expect(listener.proc.exitCode).toBeNull();
      const rec = await run([VTRACE_BIN, "record", "-B", instanceName("fz"), "-N", `127.0.0.1:${port}`, "-e", "sched", "--", "sleep", "0.3"]);
      expect(rec.code).toBe(0);
      // Hostile sessions may still be timing out, so look for the good client's readable file itself.
      const readable: string[] = [];
      const until = Date.now() + 30_000;
      while (readable.length === 0 && Date.now() < until) {
        for (const f of readdirSync(dir.path).filter((n) => n.endsWith(".dat"))) {
          const rep = await traceCmd(["report", "-i", `${dir.path}/${f}`]);
          if (eventLines(rep.stdout).some((l) => / sched_/.test(l))) readable.push(f);
        }
        if (readable.length === 0) await Bun.sleep(300);
      }
      expect(readable.length).toBeGreaterThanOrEqual(1);
      // Only listener output names: fz.127.0.0.1:PORT.dat (and per-CPU and metadata temp files while writing).
      expect(readdirSync(dir.path).filter((f) => !/^fz\.127\.0\.0\.1:\d+\.(dat|cpu\d+|meta)$/.test(f))).toEqual([]);
      expect(listener.proc.exitCode).toBeNull();
    } finally {
      await listener.stop();
    }
  }, 180_000);
});
