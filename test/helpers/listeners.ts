// Starting listeners for network tests and waiting for their output files.

import { readdirSync, statSync } from "node:fs";

export interface Spawned {
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  port: number;
  stop(): Promise<void>;
}

/** A free TCP port on loopback (bound then released). */
export function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

export async function startListener(argv: string[], port: number): Promise<Spawned> {
  const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  await waitForPort(port, 10_000);
  return {
    proc,
    port,
    async stop() {
      proc.kill("SIGINT");
      const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await proc.exited;
      clearTimeout(t);
    },
  };
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const s = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      s.end();
      return;
    } catch {
      if (Date.now() > until) throw new Error(`nothing listens on port ${port}`);
      await Bun.sleep(50);
    }
  }
}

/** Waits for a finished output: the file exists, no per-CPU temporary files remain, its size is stable. */
export async function waitForFile(dir: string, suffix: string, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  let last = -1;
  for (;;) {
    const names = readdirSync(dir);
    const f = names.find((n) => n.endsWith(suffix) && !n.includes(".cpu"));
    const temps = names.some((n) => /\.cpu\d+$/.test(n));
    if (f && !temps) {
      const size = statSync(`${dir}/${f}`).size;
      if (size === last && size > 0) return `${dir}/${f}`;
      last = size;
    }
    if (Date.now() > until) throw new Error(`no finished *${suffix} in ${dir} within ${timeoutMs} ms: ${names.join(", ")}`);
    await Bun.sleep(300);
  }
}
