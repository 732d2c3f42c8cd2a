// The virt-server's local control socket (VIRT_DIR/vtrace-ctl, root only): JSON lines from
// `vtrace record -A` and `vtrace list-guests`. One connection = one multi-guest recording; if the
// client vanishes, its sessions are stopped and their files written.

import { chmodSync } from "node:fs";
import { dirname, basename, extname, join } from "node:path";
import type { AgentLink } from "./agent-link.ts";
import { AgentSession } from "./agent-session.ts";
import { DEFAULT_DISK_LIMITS } from "../listen/limits.ts";
import type { VirtServerContext } from "./host-session.ts";
import { controlRequestOf, describeSync, type ControlReply } from "./control-protocol.ts";

export const CONTROL_SOCKET_NAME = "vtrace-ctl";

interface Client {
  buf: string;
  sessions: Map<string, AgentSession>;
  output?: string;
}

/** trace.dat → trace-g1.dat, as trace-cmd names guest files. */
export function guestFileName(output: string, guest: string): string {
  const ext = extname(output);
  return join(dirname(output), `${basename(output, ext)}-${guest}${ext || ".dat"}`);
}

export function startControlServer(ctx: VirtServerContext): { stop(): void } {
  const path = join(ctx.virtDir, CONTROL_SOCKET_NAME);
  const server = Bun.listen<Client>({
    unix: path,
    socket: {
      open(s) {
        s.data = { buf: "", sessions: new Map() };
      },
      data(s, bytes) {
        s.data.buf += new TextDecoder().decode(bytes);
        for (let nl = s.data.buf.indexOf("\n"); nl >= 0; nl = s.data.buf.indexOf("\n")) {
          const line = s.data.buf.slice(0, nl);
          s.data.buf = s.data.buf.slice(nl + 1);
          handle(line, s.data, ctx).then((reply) => s.write(`${JSON.stringify(reply)}\n`));
        }
      },
      close(s) {
        if (s.data.sessions.size > 0) stopAll(s.data, ctx).catch(() => undefined);
      },
    },
  });
  chmodSync(path, 0o600);
  return { stop: () => server.stop(true) };
}

async function handle(line: string, client: Client, ctx: VirtServerContext): Promise<ControlReply> {
  let req;
  try {
    req = controlRequestOf(line);
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  switch (req.op) {
    case "list":
      return { ok: true, guests: [...ctx.agents.values()].map(describe) };
    case "start":
      client.output = req.output;
      return { ok: true, guests: await Promise.all(req.guests.map((g) => startOne(g.name, g.args, client, req.traceId, req.hostMarker, ctx))) };
    case "sync":
      return { ok: true, guests: await syncAll(client, req.hostMarker) };
    case "stop":
      return { ok: true, guests: await stopAll(client, ctx) };
  }
}

function describe(l: AgentLink) {
  return { name: l.domain, ok: true, cpus: l.cpus, qemuPid: l.qemuPid, busy: l.busy };
}

async function startOne(name: string, args: string[], client: Client, traceId: string, hostMarker: string | undefined, ctx: VirtServerContext) {
  const link = ctx.agents.get(name);
  if (!link) return { name, ok: false, error: `no agent answers for guest '${name}' (is 'vtrace agent' running in it?)` };
  try {
    const base = guestFileName(client.output!, name).replace(/\.dat$/, "");
    const session = await AgentSession.start(link, args, base, ctx.virtDir, BigInt(traceId), { disk: ctx.limits ?? DEFAULT_DISK_LIMITS, log: ctx.log });
    client.sessions.set(name, session);
    if (hostMarker) await session.sync(hostMarker).catch((e) => ctx.log(`agent ${name}: clock sync: ${(e as Error).message}`));
    ctx.log(`agent ${name}: recording ${args.join(" ")}`);
    return { ok: true, ...session.info };
  } catch (e) {
    return { name, ok: false, error: (e as Error).message };
  }
}

async function syncAll(client: Client, hostMarker: string) {
  return Promise.all(
    [...client.sessions].map(async ([name, s]) => {
      try {
        await s.sync(hostMarker);
        return { name, ok: true };
      } catch (e) {
        return { name, ok: false, error: (e as Error).message };
      }
    }),
  );
}

async function stopAll(client: Client, ctx: VirtServerContext) {
  const sessions = [...client.sessions];
  client.sessions.clear();
  return Promise.all(
    sessions.map(async ([name, session]) => {
      const file = guestFileName(client.output!, name);
      try {
        const r = await session.stop(file, client.output);
        ctx.log(`wrote ${file}${r.sync ? ` (${describeSync(r.sync)})` : ""}`);
        return { name, ok: true, file, sync: r.sync };
      } catch (e) {
        return { name, ok: false, error: (e as Error).message };
      }
    }),
  );
}
