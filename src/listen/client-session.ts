// One client of `vtrace listen`, from handshake to output file (trace-cmd 3.1.6 trace-listen.c
// process_client()). Every expected reply is awaited with a timeout.
// The client is not trusted: what it sends goes to disk as it arrives (metadata to a spool file,
// pages to per-CPU files), counted against the recording's size cap, so its memory stays small.

import { join } from "node:path";
import { ProtocolError, VtraceError } from "../errors.ts";
import { MSG_WAIT_MS } from "../msg/commands.ts";
import { bytesEqual, classifyHello, SERVER_BANNER, V3_MAGIC, V3_OK, V3_REPLY } from "../msg/handshake.ts";
import type { Message } from "../msg/messages.ts";
import { METADATA_DEADLINE_MS, streamSendData } from "../msg/collect-data.ts";
import type { StreamChannel } from "../transport/stream-channel.ts";
import { type DataPort, openTcpPort, openUdpPort, waitQuiet } from "./data-ports.ts";
import { formatBytes, RecordingBudget, type DiskLimits } from "./limits.ts";
import { MetadataSpool } from "./metadata-spool.ts";
import { completeV1Head, writeReceivedTrace } from "./output-file.ts";
import { removeQuietly } from "./remove.ts";

export interface SessionContext {
  outDir: string;
  name: string;
  bindHost: string;
  log(line: string): void;
  /** Most metadata a client may send (kallsyms alone is several MB). */
  maxMetadataBytes: number;
  limits: DiskLimits;
  /** Reserves `n` data ports from the server's total; false when they would pass it. */
  claimPorts(n: number): boolean;
  releasePorts(n: number): void;
  /** Bytes just written to disk, so the server can watch its free-space floor between checks. */
  wrote(n: number): void;
}

/** The connection as the server gives it: a channel, who it is, and a hand on its input. */
export interface PeerConnection {
  ch: StreamChannel;
  host: string;
  port: number;
  /** Stop reading the socket (the kernel then holds the sender back) / start again. */
  pauseInput(): void;
  resumeInput(): void;
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

/** Each CPU costs the server a port and a file; more than this is refused. */
const MAX_CLIENT_CPUS = 256;

export class ClientSession {
  readonly label: string;
  readonly #base: string;
  readonly #budget: RecordingBudget;
  #ports: DataPort[] = [];
  #claimed = 0;
  #spool: MetadataSpool | undefined;
  #metadataDone = false;
  #stopReason: string | undefined;

  constructor(
    readonly peer: PeerConnection,
    private readonly ctx: SessionContext,
  ) {
    this.label = safeFileLabel(`${peer.host}:${peer.port}`);
    this.#base = join(ctx.outDir, `${ctx.name}.${this.label}`);
    this.#budget = new RecordingBudget(ctx.limits.maxRecordingBytes);
  }

  /** What the recording has on disk now; writing its output file will take as much again. */
  get bytesOnDisk(): number {
    return this.#budget.used;
  }

  /**
   * Ends the session early (size cap, free-space floor): with its metadata complete it becomes a
   * readable file of what arrived, otherwise everything it wrote is deleted.
   */
  stop(reason: string): void {
    if (this.#stopReason !== undefined) return;
    this.#stopReason = reason;
    const { ch } = this.peer;
    if (!ch.closed) ch.close();
    ch.onClose(); // wakes a read that waits for this client
  }

  /** Serves the client; the output file's path, or undefined when none was written. */
  async run(): Promise<string | undefined> {
    const { ch } = this.peer;
    this.ctx.log(`Connected with ${this.peer.host}:${this.peer.port}`);
    try {
      ch.send(SERVER_BANNER);
      const setup = await handshake(ch);
      this.ctx.log(`cpus=${setup.cpus}`);
      this.ctx.log(`pagesize=${setup.pageSize}`);
      if (setup.tcp) this.ctx.log("Using TCP for live connection");
      await this.#openPorts(setup);
      sendPorts(ch, setup, this.#ports);
      this.#spool = new MetadataSpool(`${this.#base}.meta`, this.#budget, (n) => this.ctx.wrote(n));
      await this.#receiveMetadata(setup);
      if (setup.protocol === "v3") await waitForClose(ch);
      this.peer.pauseInput(); // nothing more is expected on the control connection
      return await this.#finish(setup);
    } catch (e) {
      this.peer.pauseInput();
      const why = this.#stopReason ?? (e as Error).message;
      if (this.#metadataDone && this.#ports.length > 0) {
        // The client vanished (or was stopped) after its metadata: keep what arrived.
        this.ctx.log(`client ${this.label}: ${why}; writing what arrived`);
        return await this.#finish({ protocol: "v3", cpus: this.#ports.length, pageSize: 0, tcp: false });
      }
      this.ctx.log(`client ${this.label}: ${why}${this.#spool || this.#ports.length ? "; deleting what arrived" : ""}`);
      for (const p of this.#ports) closePort(p, true);
      return undefined;
    } finally {
      this.#spool?.remove();
      this.ctx.releasePorts(this.#claimed);
      this.#claimed = 0;
      if (!ch.closed) ch.close();
    }
  }

  async #openPorts(setup: Setup): Promise<void> {
    if (!this.ctx.claimPorts(setup.cpus)) throw new ProtocolError(`refused: ${setup.cpus} more data ports would pass the server's limit`);
    this.#claimed = setup.cpus;
    const accept = (n: number) => this.#accept(n);
    const failed = (e: Error) => this.stop(`cannot write its data: ${e.message}`);
    // Opening many ports takes a while: meanwhile the client's input waits in the kernel.
    this.peer.pauseInput();
    try {
      for (let cpu = 0; cpu < setup.cpus; cpu++) {
        const file = `${this.#base}.cpu${cpu}`;
        this.#ports.push(setup.tcp ? openTcpPort(this.ctx.bindHost, file, accept, failed) : await openUdpPort(this.ctx.bindHost, file, accept, failed));
      }
    } finally {
      this.peer.resumeInput();
    }
  }

  /** Pages may land on disk while they fit the size cap; the first that does not ends the recording. */
  #accept(n: number): boolean {
    if (this.#stopReason !== undefined) return false;
    if (this.#budget.take(n)) {
      this.ctx.wrote(n);
      return true;
    }
    this.stop(`recording reached its size cap (${formatBytes(this.#budget.maxBytes)})`);
    return false;
  }

  async #receiveMetadata(setup: Setup): Promise<void> {
    const spool = this.#spool!;
    const { ch } = this.peer;
    if (setup.protocol === "v3") {
      const limits = { maxBytes: this.ctx.maxMetadataBytes, deadline: Date.now() + METADATA_DEADLINE_MS };
      await streamSendData((t, w) => ch.readMessage(t, w), (d) => spool.append(d), limits);
    } else {
      await spoolRawUntilClose(ch, spool, this.ctx.maxMetadataBytes);
    }
    if (this.#stopReason !== undefined) throw new ProtocolError(this.#stopReason);
    this.#metadataDone = true;
  }

  async #finish(setup: Setup): Promise<string | undefined> {
    const ports = this.#ports;
    await waitQuiet(ports, 300, 3000);
    for (const p of ports) closePort(p, false);
    const out = `${this.#base}.dat`;
    try {
      const metadata = this.#spool!.read();
      const head = setup.protocol === "v1" ? completeV1Head(metadata, setup.cpus, true) : metadata;
      writeReceivedTrace(out, { head, cpuFiles: ports.map((p) => p.file) });
      this.ctx.log(`wrote ${out} (${ports.map((p, cpu) => `cpu${cpu} ${p.bytes} bytes`).join(", ")})`);
      return out;
    } catch (e) {
      this.ctx.log(`cannot write ${out}: ${e instanceof VtraceError ? e.message : String(e)}`);
      removeQuietly(out);
      return undefined;
    } finally {
      for (const p of ports) removeQuietly(p.file);
    }
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

function sendPorts(ch: StreamChannel, setup: Setup, ports: DataPort[]): void {
  if (setup.protocol === "v3") ch.sendMessage({ cmd: "RINIT", cpus: setup.cpus, ports: ports.map((p) => p.port) });
  else ch.send(new TextEncoder().encode(`${ports.map((p) => p.port).join(",")}\0`));
}

/** v1 metadata is everything the client sends until it closes the connection. */
async function spoolRawUntilClose(ch: StreamChannel, spool: MetadataSpool, maxBytes: number): Promise<void> {
  for (;;) {
    let chunk: Uint8Array;
    try {
      chunk = await ch.readSome(1 << 16, undefined, "metadata");
    } catch (e) {
      if (ch.closed) return;
      throw e;
    }
    if (spool.size + chunk.length > maxBytes) throw new ProtocolError(`metadata larger than ${maxBytes} bytes`);
    spool.append(chunk);
  }
}

/**
 * After the metadata the client traces; CLOSE may come much later, so no timeout here. Other
 * messages get NOT_SUPP, unless the client has not read the last replies: then it is dropped,
 * so a client that sends without reading cannot make the server queue replies without end.
 */
async function waitForClose(ch: StreamChannel): Promise<void> {
  for (;;) {
    const m = await ch.readMessage(undefined, "CLOSE");
    if (m.cmd === "CLOSE") return;
    if (m.cmd === "NOT_SUPP") continue;
    if (ch.pendingOutput) throw new ProtocolError(`sends ${m.cmd} messages but does not read the replies`);
    ch.sendMessage({ cmd: "NOT_SUPP" });
  }
}

function unexpected(ch: StreamChannel, m: Message, wanted: string): ProtocolError {
  if (m.cmd !== "NOT_SUPP" && !ch.closed) ch.sendMessage({ cmd: "NOT_SUPP" });
  return new ProtocolError(`expected ${wanted}, got ${m.cmd}`);
}

function closePort(p: DataPort, remove: boolean): void {
  try {
    p.close();
  } catch {
    // already closed
  }
  if (remove) removeQuietly(p.file);
}
