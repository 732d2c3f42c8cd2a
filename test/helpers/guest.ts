// QEMU TCG test guests: build (or reuse) the image with test/guest/make-guest.sh, boot it with
// virtio-serial trace ports on host FIFOs and a control port on a host unix socket, and follow
// its serial console. The Bun binary needs AVX2-era instructions, hence `-cpu max` under TCG.
//
// Console: the guest's ttyS0 is QEMU's stdout (`-serial chardev:con`, a stdio chardev), read
// through a pipe; console() has everything so far with "\r" removed. QEMU's own stderr is kept
// apart (qemuStderr()). test/guest/init.sh prints GUEST_READY once the ports are named and
// GUEST_EXIT after the command, then powers off, so QEMU exits 0 (-no-reboot).
//
// FIFOs: QEMU opens PATH.in and PATH.out of a pipe chardev with O_RDWR, so QEMU's start never
// blocks on them, and a host reader never sees EOF while QEMU runs. A host reader that opens .out
// O_RDONLY waits in open() until QEMU has it open, and sees EOF once QEMU exits; readFifo() does
// exactly that without blocking the event loop. Until someone reads, guest writes block once the
// 64 KiB FIFO and the virtqueue are full: back-pressure, no loss.
//
// Control socket: QEMU is the client (`reconnect=1`), so the host listens first or later; a guest
// write blocks until the host has accepted. Keep the guest's port fd open (`exec 3<>PORT`): data
// sent while the guest has the port closed is discarded.

import { closeSync, existsSync, lstatSync, mkdirSync, openSync, constants as fsc } from "node:fs";
import { join } from "node:path";
import { REPO, VTRACE_BIN } from "./env.ts";

export const QEMU = "qemu-system-x86_64";
export const MAKE_GUEST = join(REPO, "test/guest/make-guest.sh");
/** Printed by the guest's /init once the virtio ports exist; the command runs next. */
export const GUEST_READY = /VTRACE-GUEST-READY uptime=([\d.]+)[^\n]*\n/;
/** Printed by the guest's /init after the command; rc is the command's exit status. */
export const GUEST_EXIT = /VTRACE-GUEST-EXIT rc=(\d+)[^\n]*\n/;
export const TRACE_PORT_PREFIX = "trace-path-cpu";
export const CONTROL_PORT = "agent-ctl-path";
/** Commands whose base64 is longer go through fw_cfg instead of the kernel command line. */
const CMDLINE_COMMAND_MAX = 1024;

export interface GuestImage {
  dir: string;
  /** PVH ELF vmlinux (falls back to the bzImage when none could be extracted). */
  kernel: string;
  /** Uncompressed newc cpio. */
  initrd: string;
}

export interface GuestOptions {
  /** Shown in QEMU's -name and in error messages. */
  name: string;
  cpus: number;
  memoryMb?: number;
  /** Host folder holding trace-path-cpuN.{in,out} FIFOs; bootGuest() makes missing ones. */
  fifoDir?: string;
  /** trace-path-cpuN ports wired to fifoDir (default: cpus). */
  ports?: number;
  /** Host unix socket QEMU connects to (client, reconnect=1) for the agent-ctl-path port. */
  controlSocket?: string;
  /**
   * More virtio-serial ports, each on a pipe chardev: the guest's /dev/virtio-ports/NAME is the
   * host's FIFO pair FIFO.in (host → guest) and FIFO.out (guest → host); bootGuest() makes them.
   */
  extraPorts?: ExtraPort[];
  /** sh (busybox ash) script run in the guest after GUEST_READY; without one the guest runs a shell. */
  command?: string;
  /** A virtio-net NIC on QEMU user networking (guest 10.0.2.15, host reachable as 10.0.2.2); needs an image with -m virtio_net. */
  network?: boolean;
  /** Appended to the kernel command line. */
  kernelArgs?: string[];
  /** QEMU is killed after this long (default 120 s). */
  timeoutMs?: number;
  /** Default: ensureGuestImage(). */
  image?: GuestImage;
  /** Serial console and QEMU monitor on the terminal (Ctrl-A x quits); qemuArgs() only, for boot.ts. */
  interactive?: boolean;
  /** Called with each piece of console text as it arrives (VTRACE_GUEST_CONSOLE=1: echoed to stderr). */
  onConsole?: (text: string) => void;
}

export interface ExtraPort {
  name: string;
  /** Host path without the .in/.out suffix. */
  fifo: string;
}

export interface GuestResult {
  /** QEMU's exit status (0 after the guest powers off). */
  qemuCode: number;
  /** The guest command's exit status, from GUEST_EXIT; undefined when it never printed. */
  guestCode: number | undefined;
  console: string;
}

export interface RunningGuest extends AsyncDisposable {
  readonly pid: number;
  readonly name: string;
  /** Serial console so far, "\r" removed. */
  console(): string;
  qemuStderr(): string;
  /**
   * Resolves with the first match of `re` in the whole console so far (match[0]); rejects on timeout
   * or when QEMU exits first. The console arrives in pieces: end `re` with "\n" to match whole lines.
   */
  waitForConsole(re: RegExp, timeoutMs: number): Promise<string>;
  /** Waits for QEMU to exit (the guest powers off after its command). */
  result(timeoutMs: number): Promise<GuestResult>;
  kill(signal?: NodeJS.Signals | number): void;
  /** QEMU's exit status. */
  readonly exited: Promise<number>;
}

/** make-guest.sh could not get a Debian package (no apt, no mirror): tests skip, not fail. */
export class GuestUnavailableError extends Error {}

/** Why guests cannot run here, or undefined when they can. */
export function guestSupport(): string | undefined {
  if (process.platform !== "linux" || process.arch !== "x64") return `needs linux x64, not ${process.platform} ${process.arch}`;
  if (!Bun.which(QEMU)) return `${QEMU} not installed (apt-get install qemu-system-x86)`;
  for (const tool of ["dpkg-deb", "flock", "sha256sum", "ldd", "mkfifo"]) {
    if (!Bun.which(tool)) return `${tool} not installed`;
  }
  return undefined;
}

/**
 * Builds the image for `binary` (in the guest at /usr/bin/vtrace) plus `extra` binaries
 * ("SRC[:GUEST_PATH]", GUEST_PATH default /usr/bin/<name>; their ldd libraries come along), or
 * reuses the cached one. Cold 14-28 s with downloads, 2-4 s per new binary, 0.5-1.3 s cached.
 * Throws GuestUnavailableError when a Debian package cannot be had.
 */
export async function ensureGuestImage(binary: string = VTRACE_BIN, extra: string[] = [], modules: string[] = []): Promise<GuestImage> {
  for (let attempt = 1; ; attempt++) {
    const proc = Bun.spawn(["bash", MAKE_GUEST, ...modules.flatMap((m) => ["-m", m]), `${binary}:/usr/bin/vtrace`, ...extra], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    if (code === 4 && attempt < 3) continue; // the binary was being rebuilt while copied
    if (code === 3) throw new GuestUnavailableError(lastLine(stderr));
    if (code !== 0) throw new Error(`make-guest.sh failed (exit ${code}): ${stderr.trim()}`);
    const dir = lastLine(stdout);
    const kernel = [join(dir, "vmlinux"), join(dir, "vmlinuz")].find((k) => existsSync(k));
    if (!kernel) throw new Error(`make-guest.sh: no kernel in ${dir}`);
    return { dir, kernel, initrd: join(dir, "initramfs.cpio") };
  }
}

/** QEMU's arguments (without the program name) for `opts`; pure. */
export function qemuArgs(opts: GuestOptions, image: GuestImage): string[] {
  const ports = opts.fifoDir === undefined ? 0 : (opts.ports ?? opts.cpus);
  const extra = opts.extraPorts ?? [];
  const named = ports + (opts.controlSocket === undefined ? 0 : 1) + extra.length;
  // No crypto self-tests at boot: under TCG on a loaded host one (cryptomgr_test) once spun for
  // minutes (soft lockups) and the guest never reached its init.
  const append = ["console=ttyS0", "panic=-1", "quiet", "loglevel=3", "cryptomgr.notests=1", `vtrace.ports=${named}`];
  const encoded = opts.command === undefined ? undefined : Buffer.from(opts.command).toString("base64");
  append.push(...(opts.kernelArgs ?? []));
  if (encoded !== undefined && encoded.length <= CMDLINE_COMMAND_MAX) append.push(`vtrace.cmd=${encoded}`);
  const args = [
    "-name", `guest=${qemuEscape(opts.name)},debug-threads=on`,
    "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
    "-machine", "q35", "-accel", "tcg,thread=multi", "-cpu", "max",
    "-smp", String(opts.cpus), "-m", String(opts.memoryMb ?? 1024),
    ...(opts.network ? ["-netdev", "user,id=vtnet0", "-device", "virtio-net-pci,netdev=vtnet0"] : []),
    "-kernel", image.kernel, "-initrd", image.initrd, "-append", append.join(" "),
    ...(opts.interactive
      ? ["-serial", "mon:stdio"]
      : ["-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con", "-monitor", "none"]),
    "-device", "virtio-rng-pci",
  ];
  if (encoded !== undefined && encoded.length > CMDLINE_COMMAND_MAX) {
    args.push("-fw_cfg", `name=opt/vtrace/cmd,string=${qemuEscape(opts.command ?? "")}`);
  }
  if (named > 0) args.push("-device", `virtio-serial-pci,id=vser0,max_ports=${Math.max(31, named + 1)}`);
  for (let cpu = 0; cpu < ports; cpu++) {
    const port = `${TRACE_PORT_PREFIX}${cpu}`;
    args.push("-chardev", `pipe,id=tp${cpu},path=${qemuEscape(join(opts.fifoDir ?? "", port))}`);
    args.push("-device", `virtserialport,bus=vser0.0,chardev=tp${cpu},name=${port}`);
  }
  if (opts.controlSocket !== undefined) {
    args.push("-chardev", `socket,id=ctl,path=${qemuEscape(opts.controlSocket)},reconnect=1`);
    args.push("-device", `virtserialport,bus=vser0.0,chardev=ctl,name=${CONTROL_PORT}`);
  }
  extra.forEach((port, i) => {
    args.push("-chardev", `pipe,id=xp${i},path=${qemuEscape(port.fifo)}`);
    args.push("-device", `virtserialport,bus=vser0.0,chardev=xp${i},name=${qemuEscape(port.name)}`);
  });
  return args;
}

/** Makes DIR (if needed) and DIR/trace-path-cpuN.{in,out} for N < cpus; existing FIFOs are kept. */
export async function makeTraceFifos(dir: string, cpus: number): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  for (let cpu = 0; cpu < cpus; cpu++) {
    for (const end of ["in", "out"]) paths.push(join(dir, `${TRACE_PORT_PREFIX}${cpu}.${end}`));
  }
  const missing = paths.filter((p) => {
    if (!existsSync(p)) return true;
    if (!lstatSync(p).isFIFO()) throw new Error(`${p} exists and is not a FIFO`);
    return false;
  });
  if (missing.length > 0) {
    const proc = Bun.spawn(["mkfifo", "-m", "600", ...missing], { stdio: ["ignore", "ignore", "pipe"] });
    if ((await proc.exited) !== 0) throw new Error(`mkfifo failed: ${await new Response(proc.stderr).text()}`);
  }
  return paths;
}

/** Makes PATH.in and PATH.out (existing FIFOs are kept), for an extra port's pipe chardev. */
export async function makeFifoPair(path: string): Promise<void> {
  const missing = [`${path}.in`, `${path}.out`].filter((p) => {
    if (!existsSync(p)) return true;
    if (!lstatSync(p).isFIFO()) throw new Error(`${p} exists and is not a FIFO`);
    return false;
  });
  if (missing.length === 0) return;
  const proc = Bun.spawn(["mkfifo", "-m", "600", ...missing], { stdio: ["ignore", "ignore", "pipe"] });
  if ((await proc.exited) !== 0) throw new Error(`mkfifo failed: ${await new Response(proc.stderr).text()}`);
}

/** Reads a FIFO from open to EOF (for a QEMU pipe chardev: until QEMU exits). */
export interface FifoReader extends Disposable {
  /** All bytes, once the writer side closed. */
  readonly bytes: Promise<Uint8Array>;
  /** Bytes received so far. */
  received(): number;
}

export function readFifo(path: string): FifoReader {
  const chunks: Uint8Array[] = [];
  const counter = { n: 0 };
  const bytes = (async () => {
    for await (const chunk of Bun.file(path).stream()) {
      chunks.push(chunk);
      counter.n += chunk.length;
    }
    return Buffer.concat(chunks);
  })();
  return {
    bytes,
    received: () => counter.n,
    // A reader still waiting in open() (QEMU never started) is released by a writer that
    // opens and closes at once: the reader then sees EOF.
    [Symbol.dispose]: () => {
      try {
        closeSync(openSync(path, fsc.O_WRONLY | fsc.O_NONBLOCK));
      } catch {
        // ENXIO: no reader waiting any more
      }
    },
  };
}

/** Starts QEMU; the guest runs opts.command after GUEST_READY, then powers off. */
export async function bootGuest(opts: GuestOptions): Promise<RunningGuest> {
  const image = opts.image ?? (await ensureGuestImage());
  if (opts.fifoDir !== undefined) await makeTraceFifos(opts.fifoDir, opts.ports ?? opts.cpus);
  for (const port of opts.extraPorts ?? []) await makeFifoPair(port.fifo);
  const proc = Bun.spawn([QEMU, ...qemuArgs(opts, image)], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  return new Guest(opts, proc);
}

interface Waiter {
  re: RegExp;
  resolve(text: string): void;
  reject(err: Error): void;
}

class Guest implements RunningGuest {
  readonly pid: number;
  readonly name: string;
  readonly exited: Promise<number>;
  #console = "";
  #stderr = "";
  #waiters = new Set<Waiter>();
  #done = false;
  #proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  #timeoutMs: number;

  constructor(opts: GuestOptions, proc: Bun.Subprocess<"ignore", "pipe", "pipe">) {
    this.#proc = proc;
    this.pid = proc.pid;
    this.name = opts.name;
    this.#timeoutMs = opts.timeoutMs ?? 120_000;
    const killer = setTimeout(() => {
      this.#stderr += `\n[guest.ts: killed ${this.name} after ${this.#timeoutMs} ms]\n`;
      proc.kill("SIGKILL");
    }, this.#timeoutMs);
    const decoder = new TextDecoder();
    const follow = async (stream: ReadableStream<Uint8Array>, onText: (t: string) => void) => {
      for await (const chunk of stream) onText(decoder.decode(chunk, { stream: true }).replaceAll("\r", ""));
    };
    const echo = process.env.VTRACE_GUEST_CONSOLE === "1" ? (t: string) => process.stderr.write(t) : undefined;
    const onConsole = opts.onConsole ?? echo;
    const stdoutDone = follow(proc.stdout, (t) => {
      this.#console += t;
      onConsole?.(t);
      this.#check();
    });
    const stderrDone = follow(proc.stderr, (t) => (this.#stderr += t));
    this.exited = (async () => {
      const code = await proc.exited;
      await Promise.all([stdoutDone, stderrDone]);
      clearTimeout(killer);
      this.#done = true;
      this.#check();
      return code;
    })();
  }

  console(): string {
    return this.#console;
  }

  qemuStderr(): string {
    return this.#stderr;
  }

  waitForConsole(re: RegExp, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(this.#failure(`no ${re} on the console after ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        re,
        resolve: (text) => (clearTimeout(timer), resolve(text)),
        reject: (err) => (clearTimeout(timer), reject(err)),
      };
      this.#waiters.add(waiter);
      this.#check();
    });
  }

  async result(timeoutMs: number): Promise<GuestResult> {
    let timer: Timer | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.#failure(`QEMU still running after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const qemuCode = await Promise.race([this.exited, timeout]);
      const rc = GUEST_EXIT.exec(this.#console)?.[1];
      return { qemuCode, guestCode: rc === undefined ? undefined : Number(rc), console: this.#console };
    } finally {
      clearTimeout(timer);
    }
  }

  kill(signal: NodeJS.Signals | number = "SIGKILL"): void {
    if (!this.#done) this.#proc.kill(signal);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.kill("SIGKILL");
    await this.exited;
  }

  #check(): void {
    for (const w of this.#waiters) {
      const m = w.re.exec(this.#console);
      if (m) {
        this.#waiters.delete(w);
        w.resolve(m[0]);
      } else if (this.#done) {
        this.#waiters.delete(w);
        w.reject(this.#failure(`QEMU exited before ${w.re} appeared on the console`));
      }
    }
  }

  #failure(what: string): Error {
    const tail = this.#console.split("\n").slice(-25).join("\n");
    return new Error(`guest ${this.name}: ${what}\n--- console (last 25 lines) ---\n${tail}\n--- qemu stderr ---\n${this.#stderr.trim()}`);
  }
}

/** QEMU option values double their commas. */
function qemuEscape(value: string): string {
  return value.replaceAll(",", ",,");
}

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1) ?? "";
}
