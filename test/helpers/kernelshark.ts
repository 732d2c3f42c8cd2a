// Opens a trace.dat in KernelShark (Debian 2.2.1) on a private Xvfb display and says whether it loaded.
// What KernelShark 2.2.1 does, as measured: the main window is titled "Kernel Shark (<path>)" once
// a file is loaded; a file it cannot use makes it print a line starting "ERROR" (then a dialog), and
// a broken one can crash it. As root it shows a dialog unless its settings say noRootWarn=true.

import { mkdirSync, writeFileSync } from "node:fs";
import { tempDir } from "./env.ts";

export type KernelSharkResult = { loaded: true } | { loaded: false; why: string };

/** Why KernelShark cannot be driven here, or undefined. */
export function kernelSharkMissing(): string | undefined {
  for (const tool of ["kernelshark", "Xvfb", "xwininfo"]) {
    if (!Bun.which(tool)) return `${tool} not installed (apt-get install kernelshark xvfb x11-utils)`;
  }
  return undefined;
}

/**
 * Opens `file` (and appends `more` with -a, as for a host + guests set) and waits for the main window:
 * titled with the path for one file, plain "Kernel Shark" with appended ones, once each has loaded.
 */
export async function openInKernelShark(file: string, timeoutMs = 60_000, more: readonly string[] = []): Promise<KernelSharkResult> {
  using dir = tempDir("ks");
  const display = await startXvfb(dir.path);
  try {
    mkdirSync(`${dir.path}/cache`);
    mkdirSync(`${dir.path}/run`, { mode: 0o700 });
    writeFileSync(`${dir.path}/cache/setting.ini`, "[General]\nnoRootWarn=true\n");
    const env = { ...process.env, DISPLAY: display.name, KS_USER_CACHE_DIR: `${dir.path}/cache`, XDG_RUNTIME_DIR: `${dir.path}/run`, QT_QPA_PLATFORM: "xcb" };
    const ks = Bun.spawn(["kernelshark", file, ...more.flatMap((f) => ["-a", f])], { env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    let log = "";
    const drain = (s: ReadableStream<Uint8Array>) => s.pipeTo(new WritableStream({ write: (c) => void (log += new TextDecoder().decode(c)) })).catch(() => {});
    void drain(ks.stdout);
    void drain(ks.stderr);
    try {
      const title = more.length === 0 ? `Kernel Shark (${file})` : "Kernel Shark";
      const loaded = () => [file, ...more].every((f) => log.includes(`Loading  "${f}"`));
      return await waitForWindow(ks, title, display.name, () => log, timeoutMs, loaded);
    } finally {
      ks.kill("SIGKILL");
      await ks.exited;
    }
  } finally {
    display.proc.kill("SIGKILL");
    await display.proc.exited;
  }
}

async function waitForWindow(ks: Bun.Subprocess, title: string, display: string, log: () => string, timeoutMs: number, loaded: () => boolean): Promise<KernelSharkResult> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const error = /^ERROR.*$/m.exec(log());
    if (error) return { loaded: false, why: error[0] };
    if (ks.exitCode !== null || ks.signalCode !== null) return { loaded: false, why: `kernelshark exited (${ks.signalCode ?? ks.exitCode})` };
    const info = Bun.spawnSync(["xwininfo", "-display", display, "-name", title], { stderr: "ignore" });
    if (/Map State: IsViewable/.test(info.stdout.toString()) && loaded()) {
      // An error dialog can follow the window: give it a moment to show.
      await Bun.sleep(500);
      const late = /^ERROR.*$/m.exec(log());
      return late ? { loaded: false, why: late[0] } : { loaded: true };
    }
    await Bun.sleep(200);
  }
  return { loaded: false, why: `no '${title}' window within ${timeoutMs} ms` };
}

/** Xvfb on a display number it picks itself (-displayfd). */
async function startXvfb(dir: string): Promise<{ name: string; proc: Bun.Subprocess }> {
  const proc = Bun.spawn(["Xvfb", "-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"], { stdout: "pipe", stderr: "ignore", cwd: dir });
  const reader = proc.stdout.getReader();
  let text = "";
  const timeout = setTimeout(() => proc.kill("SIGKILL"), 10_000);
  while (!/\n/.test(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  clearTimeout(timeout);
  reader.releaseLock();
  const n = /\d+/.exec(text)?.[0];
  if (!n) throw new Error("Xvfb did not start");
  return { name: `:${n}`, proc };
}
