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
import { guestTimeShift, kvmTimeShift } from "./time-shift.ts";
import type { ClockSync } from "./control-protocol.ts";
import { writeText } from "../tracefs/files.ts";
import { appendOptionsV6 } from "../tracedat/writer-v6.ts";
import { openFileSource } from "../io/file-source.ts";
import { openV6Head } from "../listen/output-file.ts";
import { selectedClock, type TraceOption } from "../tracedat/model.ts";
import { tsc2nsecOption } from "../tracedat/options-encode.ts";
import { openTraceDat } from "../tracedat/reader/open.ts";
import { traceFifoBase } from "./paths.ts";

export interface AgentSessionInfo {
  name: string;
  cpus: number;
  traceId: string;
  qemuPid: number;
  /** From the host's TRACE_REQ until the agent was tracing. */
  tracingAfterMs: number;
}

export interface StopResult {
  file: string;
  /** Guest TSC − host TSC, and its error bound, when clock-sync markers were found. */
  sync?: ClockSync;
}

export class AgentSession {
  #seq = 0;

  private constructor(
    readonly link: AgentLink,
    private readonly recorder: Recorder,
    private readonly cpuFiles: string[],
    private readonly metadata: Uint8Array,
    readonly info: AgentSessionInfo,
    private readonly hostTraceId: bigint,
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
      const askedAt = performance.now();
      link.send({ cmd: "TRACE_REQ", flags: MSG_TRACE_USE_FIFOS, traceId: hostTraceId, args, tsyncProtos: undefined });
      const resp = await link.expect("TRACE_RESP", 15_000);
      // The agent sends its metadata once it is tracing: the first piece marks the start.
      let tracingAt = 0;
      const metadata = await collectSendData(async (t, w) => {
        const m = await link.next(t, w);
        tracingAt ||= performance.now();
        return m;
      }, MAX_METADATA_BYTES);
      const info = { name: link.domain, cpus: resp.cpus, traceId: resp.traceId.toString(), qemuPid: link.qemuPid, tracingAfterMs: Math.round(tracingAt - askedAt) };
      return new AgentSession(link, recorder, cpuFiles, metadata, info, hostTraceId);
    } catch (e) {
      link.busy = false;
      await recorder.stop().catch(() => undefined);
      removeAll(cpuFiles);
      throw e;
    }
  }

  /**
   * Clock-sync probes: the host stamps its trace (hostMarker) before and after each round trip,
   * the agent stamps its own trace in between; the markers are paired when the files are written.
   */
  async sync(hostMarker: string, probes = 6): Promise<void> {
    for (let i = 0; i < probes; i++) {
      const seq = this.#seq++;
      writeText(hostMarker, `vtrace-sync-send ${this.link.domain} ${seq}\n`);
      this.link.send({ cmd: "TIME_SYNC", proto: "vtrace", msgId: TSYNC_PROBE, payload: seqBytes(seq) });
      await this.link.expect("TIME_SYNC", 5000);
      writeText(hostMarker, `vtrace-sync-recv ${this.link.domain} ${seq}\n`);
    }
  }

  /** Stops the agent and writes `outFile` (with TIME_SHIFT when `hostFile` holds sync markers). */
  async stop(outFile: string, hostFile?: string): Promise<StopResult> {
    try {
      if (!this.link.gone) {
        this.link.send({ cmd: "CLOSE" });
        await this.link.expect("CLOSE_RESP", 10_000).catch(() => undefined);
      }
      await waitQuietFiles(this.cpuFiles, 300, 10_000);
      await this.recorder.stop();
      const shift = hostFile ? safeTimeShift(hostFile, this.hostTraceId, this.link.domain, this.metadata, this.cpuFiles) : undefined;
      // KVM's own offsets beat the probes where they exist (hardware KVM); the probes stay in the traces.
      const kvmGuest = { qemuPid: this.link.qemuPid, domain: this.link.domain, hostTraceId: this.hostTraceId, guestHead: this.metadata, cpus: this.cpuFiles.length };
      const kvm = hostFile ? safe(() => kvmTimeShift({ ...kvmGuest, hostFile })) : undefined;
      const option = kvm?.option ?? shift?.option;
      const tsc = option && hostFile ? hostTsc2nsec(hostFile, this.metadata, this.cpuFiles.length) : [];
      const head = option ? appendOptionsV6(this.metadata, [...tsc, option], true) : this.metadata;
      writeReceivedTrace(outFile, { head, cpuFiles: this.cpuFiles });
      const sync = kvm
        ? { offset: String(kvm.offset), errorBound: "0", samples: 0, source: kvm.source }
        : shift && { offset: String(shift.offset), errorBound: String(shift.errorBound), samples: shift.samples, source: "probes" as const };
      return { file: outFile, sync };
    } finally {
      this.link.busy = false;
      removeAll(this.cpuFiles);
    }
  }
}

export const TSYNC_PROBE = 1;
export const TSYNC_REPLY = 2;

export function seqBytes(seq: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, seq);
  return b;
}

function safeTimeShift(...args: Parameters<typeof guestTimeShift>) {
  return safe(() => guestTimeShift(...args));
}

/** A file without markers (or an unreadable host file) still gets written, unshifted. */
function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/**
 * The host file's TSC2NSEC for an x86-tsc guest file that gets TIME_SHIFT (trace-cmd's
 * host_tsync_complete() adds it too): report maps guest TSC → host TSC → host ns.
 */
function hostTsc2nsec(hostFile: string, guestHead: Uint8Array, cpus: number): TraceOption[] {
  try {
    using src = openFileSource(hostFile);
    const tsc = openTraceDat(src).options.tsc2nsec;
    const guest = openV6Head(guestHead, cpus);
    if (!tsc || tsc.mult === 0 || selectedClock(guest.options.traceClock) !== "x86-tsc") return [];
    return [tsc2nsecOption(tsc.mult, tsc.shift, tsc.offset, guest.params.littleEndian)];
  } catch {
    return []; // an unreadable host file already meant no TIME_SHIFT
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
