// One host-driven recording on one guest agent: FIFO readers first, then TRACE_REQ, the agent's
// TRACE_RESP and metadata; on stop CLOSE → CLOSE_RESP, wait for the FIFOs to go quiet, write the file.

import { existsSync, unlinkSync } from "node:fs";
import { ProtocolError } from "../errors.ts";
import { writeReceivedTrace } from "../listen/output-file.ts";
import { collectSendData, MAX_METADATA_BYTES } from "../msg/collect-data.ts";
import { MSG_TRACE_USE_FIFOS } from "../msg/commands.ts";
import type { Recorder } from "../recorder/recorder.ts";
import type { AgentLink } from "./agent-link.ts";
import { startFifoReaders, waitQuietFiles } from "./host-session.ts";
import { traceFifoBase } from "./paths.ts";

export interface AgentSessionInfo {
  name: string;
  cpus: number;
  traceId: string;
  qemuPid: number;
}

export class AgentSession {
  private constructor(
    readonly link: AgentLink,
    private readonly recorder: Recorder,
    private readonly cpuFiles: string[],
    private readonly metadata: Uint8Array,
    readonly info: AgentSessionInfo,
  ) {}

  static async start(link: AgentLink, args: string[], outBase: string, virtDir: string, hostTraceId: bigint): Promise<AgentSession> {
    if (link.busy) throw new ProtocolError(`${link.domain} is already recording`);
    const fifos = Array.from({ length: link.cpus }, (_, cpu) => `${traceFifoBase(virtDir, link.domain, cpu)}.out`);
    const missing = fifos.find((f) => !existsSync(f));
    if (missing) throw new ProtocolError(`${link.domain}: missing FIFO ${missing}: run 'vtrace setup-guest ${link.domain} --cpus ${link.cpus} --dir ${virtDir}'`);
    link.busy = true;
    link.clear();
    const cpuFiles = fifos.map((_, cpu) => `${outBase}.cpu${cpu}`);
    const recorder = await startFifoReaders(fifos, cpuFiles, link.pageSize);
    try {
      link.send({ cmd: "TRACE_REQ", flags: MSG_TRACE_USE_FIFOS, traceId: hostTraceId, args, tsyncProtos: undefined });
      const resp = await link.expect("TRACE_RESP", 15_000);
      const metadata = await collectSendData((t, w) => link.next(t, w), MAX_METADATA_BYTES);
      const info = { name: link.domain, cpus: resp.cpus, traceId: resp.traceId.toString(), qemuPid: link.qemuPid };
      return new AgentSession(link, recorder, cpuFiles, metadata, info);
    } catch (e) {
      link.busy = false;
      await recorder.stop().catch(() => undefined);
      removeAll(cpuFiles);
      throw e;
    }
  }

  /** Stops the agent and writes `outFile`; the file keeps what arrived even if the agent is gone. */
  async stop(outFile: string): Promise<void> {
    try {
      if (!this.link.gone) {
        this.link.send({ cmd: "CLOSE" });
        await this.link.expect("CLOSE_RESP", 10_000).catch(() => undefined);
      }
      await waitQuietFiles(this.cpuFiles, 300, 10_000);
      await this.recorder.stop();
      writeReceivedTrace(outFile, { head: this.metadata, cpuFiles: this.cpuFiles });
    } finally {
      this.link.busy = false;
      removeAll(this.cpuFiles);
    }
  }
}

function removeAll(files: string[]): void {
  for (const f of files) {
    try {
      unlinkSync(f);
    } catch {
      // gone
    }
  }
}
