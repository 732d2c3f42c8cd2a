// A virt-server and QEMU TCG guests running `vtrace agent`, ready for `vtrace record -A`: what the
// agent, sync-check and Perfetto e2e tests and the guest benchmarks all start from.

import { existsSync } from "node:fs";
import { waitForServer } from "./virt-server.ts";
import { VTRACE_BIN } from "./env.ts";
import { bootGuest, type RunningGuest } from "./guest.ts";

export interface AgentGuestSpec {
  name: string;
  /** The guest's shell command; "vtrace agent" by default. */
  command?: string;
}

export interface AgentGuests extends AsyncDisposable {
  /** The folder with the guests' FIFOs and the virt-server's sockets (pass as --virt-dir). */
  virtDir: string;
  guests: RunningGuest[];
  /** Stops the virt-server and starts a new one (the agents have to find it again by themselves). */
  restartServer(): Promise<void>;
}

export interface AgentGuestsOptions {
  /** Guests' FIFOs and sockets go to DIR/virt. */
  dir: string;
  /** Where the virt-server writes guest files. */
  outDir: string;
  guests: AgentGuestSpec[];
  cpus?: number;
  binary?: string;
  /** How long each guest may take to boot (the first boot builds the image). */
  bootTimeoutMs?: number;
}

const CONNECT_TIMEOUT_MS = 240_000;

/** Sets up the guests, starts the virt-server, boots every guest and waits until each agent is listed. */
export async function startAgentGuests(o: AgentGuestsOptions): Promise<AgentGuests> {
  const bin = o.binary ?? VTRACE_BIN;
  const virtDir = `${o.dir}/virt`;
  const cpus = o.cpus ?? 2;
  for (const g of o.guests) {
    const setup = Bun.spawnSync([bin, "setup-guest", g.name, "--cpus", String(cpus), "--dir", virtDir]);
    if (setup.exitCode !== 0) throw new Error(`setup-guest ${g.name}: ${setup.stderr.toString()}`);
  }
  let servers = 0;
  const startServer = () => Bun.spawn([bin, "virt-server", "--dir", virtDir, "-d", o.outDir, "-l", `${o.dir}/server${++servers}.log`], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  const stopServer = async () => {
    server.kill("SIGINT");
    await server.exited;
  };
  let server = startServer();
  const guests: RunningGuest[] = [];
  const stop = async () => {
    for (const g of guests) await g[Symbol.asyncDispose]();
    await stopServer();
  };
  try {
    await waitForServer(virtDir);
    for (const g of o.guests) {
      const spec = { name: g.name, cpus, fifoDir: `${virtDir}/${g.name}`, controlSocket: `${virtDir}/agent-ctl-path`, command: g.command ?? "vtrace agent" };
      guests.push(await bootGuest({ ...spec, timeoutMs: o.bootTimeoutMs ?? 900_000 }));
    }
    await waitForAgents(bin, virtDir, o.guests.map((g) => g.name), guests);
  } catch (e) {
    await stop();
    throw e;
  }
  const restartServer = async () => {
    await stopServer();
    server = startServer();
  };
  return { virtDir, guests, restartServer, [Symbol.asyncDispose]: stop };
}

async function waitForAgents(bin: string, virtDir: string, names: string[], guests: RunningGuest[]): Promise<void> {
  const until = Date.now() + CONNECT_TIMEOUT_MS;
  for (;;) {
    const listed = Bun.spawnSync([bin, "list-guests", "--dir", virtDir]).stdout.toString();
    const missing = names.filter((n) => !new RegExp(`^${n}\\s`, "m").test(listed));
    if (missing.length === 0) return;
    if (Date.now() > until) throw new Error(`agents did not connect: ${missing.join(", ")}\n${listed}${guests.map((g) => g.console().slice(-1000)).join("\n")}`);
    await Bun.sleep(300);
  }
}
