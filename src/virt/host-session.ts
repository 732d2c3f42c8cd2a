// The host side of one guest's control connection: a loop of sessions on the same connection
// (QEMU keeps it open while the guest lives). Per session the guest speaks first:
//   guest TINIT{cpus, page size, ["virt", "name=..."]} → host RINIT{cpus, ports 0}
//   guest metadata SEND_DATA…FIN_DATA; pages flow through trace-path-cpuN; guest CLOSE
//   host writes NAME.DOMAIN.dat → CLOSE_RESP
// Each trace-path-cpuN.out FIFO is spliced into a per-CPU file by a Worker.

import { existsSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { ProtocolError } from "../errors.ts";
import { writeReceivedTrace } from "../listen/output-file.ts";
import { DiskWatch, MOVED_REPORT_MS } from "../listen/disk-watch.ts";
import { DEFAULT_DISK_LIMITS, type DiskLimits } from "../listen/limits.ts";
import { MAX_METADATA_BYTES, METADATA_DEADLINE_MS, streamSendData } from "../msg/collect-data.ts";
import type { Message, MessageOf } from "../msg/messages.ts";
import { Recorder } from "../recorder/recorder.ts";
import type { StreamChannel } from "../transport/stream-channel.ts";
import { AgentLink } from "./agent-link.ts";
import { resolveDomain, type ResolvedDomain } from "./domain.ts";
import { checkedTraceFifos } from "./trace-fifos.ts";

export interface VirtServerContext {
  virtDir: string;
  /** Guests whose agent announced itself, by domain. */
  agents: Map<string, AgentLink>;
  outDir: string;
  name: string;
  libvirtPidDir?: string;
  log(line: string): void;
  onFile?(path: string, domain: string): void;
  /** Each guest recording's size cap and the output folder's free-space floor (default: DEFAULT_DISK_LIMITS). */
  limits?: DiskLimits;
}

const MAX_GUEST_CPUS = 256;

export async function serveGuest(ch: StreamChannel, peerPid: number, ctx: VirtServerContext): Promise<void> {
  for (;;) {
    let first: Message;
    try {
      first = await ch.readMessage(undefined, "a session start (TINIT)");
    } catch (e) {
      if (!ch.closed) ctx.log(`qemu pid ${peerPid}: ${(e as Error).message}; dropping the connection`);
      return dropGuest(ch);
    }
    if (first.cmd !== "TINIT") {
      ctx.log(`qemu pid ${peerPid}: expected TINIT, got ${first.cmd}; dropping the connection`);
      return dropGuest(ch, first.cmd !== "NOT_SUPP");
    }
    if (first.options.includes("agent")) return serveAgent(ch, peerPid, first, ctx);
    const ok = await runSession(ch, peerPid, first, ctx).catch((e) => {
      ctx.log(`qemu pid ${peerPid}: ${(e as Error).message}`);
      return false;
    });
    if (!ok) return dropGuest(ch);
  }
}

/** An agent announced itself: answer, register it, and keep reading until QEMU goes away. */
async function serveAgent(ch: StreamChannel, pid: number, hello: MessageOf<"TINIT">, ctx: VirtServerContext): Promise<void> {
  const resolved = resolveDomain(pid, guestName(hello), ctx.libvirtPidDir);
  if (!resolved) {
    ctx.log(`qemu pid ${pid}: agent without a usable domain name; dropping the connection`);
    return dropGuest(ch);
  }
  const link = new AgentLink(ch, resolved.domain, pid, hello.cpus, hello.pageSize);
  ctx.agents.set(resolved.domain, link);
  ctx.log(`agent ${resolved.domain}:${pid} (${resolved.source}) ready, cpus=${hello.cpus}`);
  ch.sendMessage({ cmd: "RINIT", cpus: hello.cpus, ports: Array.from({ length: hello.cpus }, () => 0) });
  await link.readLoop();
  if (ctx.agents.get(resolved.domain) === link) ctx.agents.delete(resolved.domain);
  ctx.log(`agent ${resolved.domain}:${pid} gone`);
}

function dropGuest(ch: StreamChannel, notSupp = true): void {
  if (!ch.closed && notSupp) {
    try {
      ch.sendMessage({ cmd: "NOT_SUPP" });
    } catch {
      // gone
    }
  }
  if (!ch.closed) ch.close();
}

function guestName(tinit: MessageOf<"TINIT">): string | undefined {
  return tinit.options.find((o) => o.startsWith("name="))?.slice(5);
}

/** One recording; returns false when the connection is gone or unusable. */
async function runSession(ch: StreamChannel, pid: number, tinit: MessageOf<"TINIT">, ctx: VirtServerContext): Promise<boolean> {
  const resolved = resolveDomain(pid, guestName(tinit), ctx.libvirtPidDir);
  if (!resolved) throw new ProtocolError(`cannot tell which domain qemu pid ${pid} runs (no libvirt pid file, no -name, no valid guest name)`);
  if (tinit.cpus > MAX_GUEST_CPUS) throw new ProtocolError(`${resolved.domain}: ${tinit.cpus} cpus, at most ${MAX_GUEST_CPUS}`);
  const fifos = checkedTraceFifos(ctx.virtDir, resolved.domain, tinit.cpus);
  ctx.log(`start ${resolved.domain}:${pid} (${resolved.source}), cpus=${tinit.cpus}, pagesize=${tinit.pageSize}`);
  const base = join(ctx.outDir, `${ctx.name}.${resolved.domain}`);
  const cpuFiles = fifos.map((_, cpu) => `${base}.cpu${cpu}`);
  // The guest is not trusted: its metadata goes to disk as it arrives, and the recording is
  // measured against the size cap and free-space floor; past either, it ends and the guest is dropped.
  const watch = new DiskWatch(cpuFiles, ctx.outDir, ctx.limits ?? DEFAULT_DISK_LIMITS);
  const recorder = await startFifoReaders(fifos, cpuFiles, tinit.pageSize, watch, (m) => ctx.log(`${resolved.domain}: ${m}`));
  const spool = watch.spool(`${base}.meta`);
  let metadataDone = false;
  let connectionAlive = true;
  try {
    ch.sendMessage({ cmd: "RINIT", cpus: tinit.cpus, ports: fifos.map(() => 0) });
    const session = (async () => {
      const limits = { maxBytes: MAX_METADATA_BYTES, deadline: Date.now() + METADATA_DEADLINE_MS };
      await streamSendData((t, w) => ch.readMessage(t, w), (d) => spool.append(d), limits);
      metadataDone = true;
      return waitForClose(ch);
    })();
    session.catch(() => undefined); // still reading when the watch ends the session first
    connectionAlive = await Promise.race([session, watch.tripped.then((why) => Promise.reject(new ProtocolError(why)))]);
  } catch (e) {
    connectionAlive = !ch.closed && watch.reason === undefined;
    const fate = watch.reason === undefined ? "" : metadataDone ? "; writing what arrived" : "; deleting what arrived";
    ctx.log(`${resolved.domain}: ${(e as Error).message}${fate}`);
  }
  watch.stop();
  if (watch.reason === undefined) await waitQuietFiles(cpuFiles, 300, 5000);
  await recorder.stop().catch((e) => ctx.log(`${resolved.domain}: ${(e as Error).message}`));
  watch.trimToCap(tinit.pageSize);
  finishFile(`${base}.dat`, metadataDone ? spool.read() : undefined, cpuFiles, resolved, ctx);
  spool.remove();
  if (connectionAlive && !ch.closed) ch.sendMessage({ cmd: "CLOSE_RESP" });
  return connectionAlive && !ch.closed;
}

/**
 * Each guest CPU's trace-path-cpuN.out FIFO spliced into a file by the process's shared mover
 * threads (a few, serving every guest). A full disk keeps what fit; the FIFOs are still emptied.
 */
export function startFifoReaders(fifos: readonly string[], cpuFiles: readonly string[], pageSize: number, watch: DiskWatch, onDiskFull?: (message: string) => void): Promise<Recorder> {
  let told = false;
  return Recorder.start({
    cpus: fifos.map((_, cpu) => cpu),
    rawPath: (cpu) => fifos[cpu]!,
    fifoSources: true,
    sink: (cpu) => ({ kind: "file", path: cpuFiles[cpu]! }),
    pageSize,
    progressMs: MOVED_REPORT_MS,
    // The watch checks the cap and the floor from these byte counts (reported while pages flow).
    onProgress: (cpu, bytes) => watch.moved(cpu, bytes),
    onDiskFull: (cpu, message) => {
      if (!told) onDiskFull?.(`cpu${cpu}: ${message}: keeping what fit, dropping the rest of this session`);
      told = true;
    },
  });
}

/** Waits for the guest's CLOSE; false when the connection ends first (guest killed). */
async function waitForClose(ch: StreamChannel): Promise<boolean> {
  for (;;) {
    let m: Message;
    try {
      m = await ch.readMessage(undefined, "CLOSE");
    } catch {
      return false;
    }
    if (m.cmd === "CLOSE") return true;
    if (m.cmd !== "NOT_SUPP") ch.sendMessage({ cmd: "NOT_SUPP" });
  }
}

/** Pages still in the virtio queues after CLOSE: wait until the files stop growing. */
export async function waitQuietFiles(files: string[], quietMs: number, maxMs: number): Promise<void> {
  const size = () => files.reduce((s, f) => s + (existsSync(f) ? statSync(f).size : 0), 0);
  const until = Date.now() + maxMs;
  let last = size();
  let stableSince = Date.now();
  while (Date.now() < until) {
    await Bun.sleep(50);
    const now = size();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= quietMs) return;
  }
}

function finishFile(out: string, metadata: Uint8Array | undefined, cpuFiles: string[], d: ResolvedDomain, ctx: VirtServerContext): void {
  try {
    if (!metadata) {
      ctx.log(`${d.domain}: no metadata arrived; nothing written`);
      return;
    }
    writeReceivedTrace(out, { head: metadata, cpuFiles });
    ctx.log(`wrote ${out}`);
    ctx.onFile?.(out, d.domain);
  } catch (e) {
    ctx.log(`${d.domain}: cannot write ${out}: ${(e as Error).message}`);
  } finally {
    for (const f of cpuFiles) {
      try {
        unlinkSync(f);
      } catch {
        // gone
      }
    }
  }
}
