// One client of `vtrace listen`, from handshake to output file (trace-cmd 3.1.6 trace-listen.c
// process_client(); research note §2.1–2.3). Every expected reply is awaited with a timeout.

import { unlinkSync } from "node:fs";
import { join } from "node:path";
import { ProtocolError, VtraceError } from "../errors.ts";
import { MSG_WAIT_MS } from "../msg/commands.ts";
import { bytesEqual, classifyHello, SERVER_BANNER, V3_MAGIC, V3_OK, V3_REPLY } from "../msg/handshake.ts";
import type { Message } from "../msg/messages.ts";
import { concatBytes } from "../lib/writer.ts";
import { collectSendData } from "../msg/collect-data.ts";
import type { StreamChannel } from "../transport/stream-channel.ts";
import { type DataPort, openTcpPort, openUdpPort, waitQuiet } from "./data-ports.ts";
import { completeV1Head, writeReceivedTrace } from "./output-file.ts";

export interface SessionContext {
  outDir: string;
  name: string;
  bindHost: string;
  log(line: string): void;
  /** Most metadata a client may send (kallsyms alone is several MB). */
  maxMetadataBytes: number;
}

interface Setup {
  protocol: "v1" | "v3";
  cpus: number;
  pageSize: number;
  tcp: boolean;
}

/** Characters allowed in an output file name made from the peer address. */
export function safeFileLabel(label: string): string {
  return label.replace(/[^A-Za-z0-9.:_-]/g, "_").replace(/^\.+/, "_");
}

export async function serveClient(ch: StreamChannel, ctx: SessionContext, peerHost: string, peerPort: number): Promise<string | undefined> {
  const label = safeFileLabel(`${peerHost}:${peerPort}`);
  const base = join(ctx.outDir, `${ctx.name}.${label}`);
  ctx.log(`Connected with ${peerHost}:${peerPort}`);
  let ports: DataPort[] = [];
  let metadata: Uint8Array | undefined;
  try {
    ch.send(SERVER_BANNER);
    const setup = await handshake(ch);
    ctx.log(`cpus=${setup.cpus}`);
    ctx.log(`pagesize=${setup.pageSize}`);
    if (setup.tcp) ctx.log("Using TCP for live connection");
    ports = await openPorts(ctx.bindHost, base, setup);
    sendPorts(ch, setup, ports);
    metadata =
      setup.protocol === "v3"
        ? await collectSendData((t, w) => ch.readMessage(t, w), ctx.maxMetadataBytes)
        : await collectRawUntilClose(ch, ctx);
    if (setup.protocol === "v3") await waitForClose(ch);
    return await finish(base, ports, setup, metadata, ctx);
  } catch (e) {
    if (metadata && ports.length > 0) {
      // The client vanished after its metadata: keep what arrived.
      ctx.log(`client ${label}: ${(e as Error).message}; writing what arrived`);
      return await finish(base, ports, { protocol: "v3", cpus: ports.length, pageSize: 0, tcp: false }, metadata, ctx);
    }
    ctx.log(`client ${label}: ${(e as Error).message}`);
    for (const p of ports) closePort(p, true);
    return undefined;
  } finally {
    if (!ch.closed) ch.close();
  }
}

async function handshake(ch: StreamChannel): Promise<Setup> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const hello = classifyHello(await ch.readCString(64, MSG_WAIT_MS, "protocol greeting"));
    switch (hello.kind) {
      case "v3":
        ch.send(V3_REPLY);
        if (!bytesEqual(await ch.readExact(V3_MAGIC.length, MSG_WAIT_MS, "v3 magic"), V3_MAGIC)) throw new ProtocolError("bad v3 magic");
        ch.send(V3_OK);
        return readTinit(ch);
      case "other-version":
        ch.send(V3_REPLY); // offer what we speak; the client may retry with it
        continue;
      case "v1":
        return readV1Setup(ch, hello.cpus);
      case "invalid":
        throw new ProtocolError(hello.reason);
    }
  }
  throw new ProtocolError("client did not agree on protocol v3");
}

/** Each CPU costs the server a port and a file; more than this is refused. */
const MAX_CLIENT_CPUS = 256;

async function readTinit(ch: StreamChannel): Promise<Setup> {
  const m = await ch.readMessage(MSG_WAIT_MS, "TINIT");
  if (m.cmd !== "TINIT") throw unexpected(ch, m, "TINIT");
  if (m.cpus > MAX_CLIENT_CPUS) throw unexpected(ch, m, `TINIT with at most ${MAX_CLIENT_CPUS} cpus`);
  return { protocol: "v3", cpus: m.cpus, pageSize: m.pageSize, tcp: m.options.includes("tcp") };
}

async function readV1Setup(ch: StreamChannel, cpus: number): Promise<Setup> {
  if (cpus > MAX_CLIENT_CPUS) throw new ProtocolError(`${cpus} cpus: at most ${MAX_CLIENT_CPUS} are served`);
  const pageSize = Number(await ch.readCString(16, MSG_WAIT_MS, "page size"));
  const options = Number(await ch.readCString(16, MSG_WAIT_MS, "option count"));
  if (!Number.isInteger(pageSize) || pageSize <= 0 || pageSize > 1 << 20) throw new ProtocolError(`invalid page size ${pageSize}`);
  let tcp = false;
  for (let i = 0; i < Math.min(options, 16); i++) {
    const size = Number(await ch.readCString(16, MSG_WAIT_MS, "option size"));
    if (!Number.isInteger(size) || size < 0 || size > 4096) throw new ProtocolError(`invalid option size ${size}`);
    const opt = new TextDecoder().decode(await ch.readExact(size, MSG_WAIT_MS, "option"));
    if (opt.startsWith("TCP")) tcp = true;
  }
  return { protocol: "v1", cpus, pageSize, tcp };
}

async function openPorts(host: string, base: string, setup: Setup): Promise<DataPort[]> {
  const ports: DataPort[] = [];
  for (let cpu = 0; cpu < setup.cpus; cpu++) {
    const file = `${base}.cpu${cpu}`;
    ports.push(setup.tcp ? openTcpPort(host, file) : await openUdpPort(host, file));
  }
  return ports;
}

function sendPorts(ch: StreamChannel, setup: Setup, ports: DataPort[]): void {
  if (setup.protocol === "v3") ch.sendMessage({ cmd: "RINIT", cpus: setup.cpus, ports: ports.map((p) => p.port) });
  else ch.send(new TextEncoder().encode(`${ports.map((p) => p.port).join(",")}\0`));
}

async function collectRawUntilClose(ch: StreamChannel, ctx: SessionContext): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    try {
      const chunk = await ch.readSome(1 << 16, undefined, "metadata");
      size += chunk.length;
      if (size > ctx.maxMetadataBytes) throw new ProtocolError(`metadata larger than ${ctx.maxMetadataBytes} bytes`);
      parts.push(chunk);
    } catch (e) {
      if (ch.closed) return concatBytes(parts);
      throw e;
    }
  }
}

/** After the metadata the client traces; CLOSE may come much later, so no timeout here. */
async function waitForClose(ch: StreamChannel): Promise<void> {
  for (;;) {
    const m = await ch.readMessage(undefined, "CLOSE");
    if (m.cmd === "CLOSE") return;
    if (m.cmd !== "NOT_SUPP") ch.sendMessage({ cmd: "NOT_SUPP" });
  }
}

function unexpected(ch: StreamChannel, m: Message, wanted: string): ProtocolError {
  if (m.cmd !== "NOT_SUPP" && !ch.closed) ch.sendMessage({ cmd: "NOT_SUPP" });
  return new ProtocolError(`expected ${wanted}, got ${m.cmd}`);
}

async function finish(base: string, ports: DataPort[], setup: Setup, metadata: Uint8Array, ctx: SessionContext): Promise<string | undefined> {
  await waitQuiet(ports, 300, 3000);
  for (const p of ports) closePort(p, false);
  const out = `${base}.dat`;
  try {
    const head = setup.protocol === "v1" ? completeV1Head(metadata, setup.cpus, true) : metadata;
    writeReceivedTrace(out, { head, cpuFiles: ports.map((p) => p.file) });
    ctx.log(`wrote ${out} (${ports.map((p, cpu) => `cpu${cpu} ${p.bytes} bytes`).join(", ")})`);
    return out;
  } catch (e) {
    ctx.log(`cannot write ${out}: ${e instanceof VtraceError ? e.message : String(e)}`);
    return undefined;
  } finally {
    for (const p of ports) removeQuietly(p.file);
  }
}

function closePort(p: DataPort, remove: boolean): void {
  try {
    p.close();
  } catch {
    // already closed
  }
  if (remove) removeQuietly(p.file);
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // gone
  }
}
