// One host-driven recording on one guest agent: FIFO readers first, then TRACE_REQ, the agent's
// TRACE_RESP and metadata; on stop CLOSE → CLOSE_RESP, wait for the FIFOs to go quiet, write the file.

import { unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { closeFd, O_WRONLY, openFd } from "../../ffi/fd.ts";
import { ProtocolError } from "../errors.ts";
import { openV6Head, writeReceivedTrace } from "../listen/output-file.ts";
import { MAX_METADATA_BYTES, METADATA_DEADLINE_MS, streamSendData } from "../msg/collect-data.ts";
import { DiskWatch } from "../listen/disk-watch.ts";
import { DEFAULT_DISK_LIMITS, type DiskLimits } from "../listen/limits.ts";
import type { MetadataSpool } from "../listen/metadata-spool.ts";
import { MSG_TRACE_USE_FIFOS } from "../msg/commands.ts";
import type { Recorder } from "../recorder/recorder.ts";
import type { AgentLink } from "./agent-link.ts";
import { startFifoReaders, waitQuietFiles } from "./host-session.ts";
import { guestTimeShift, kvmTimeShift } from "./time-shift.ts";
import type { ClockSync } from "./control-protocol.ts";
import { writeText } from "../tracefs/files.ts";
import { appendOptionsV6 } from "../tracedat/writer-v6.ts";
import { openFileSource } from "../io/file-source.ts";
import { selectedClock, type TraceOption } from "../tracedat/model.ts";
import { tsc2nsecOption } from "../tracedat/options-encode.ts";
import { openTraceDat } from "../tracedat/reader/open.ts";
import type { TraceDat } from "../tracedat/reader/trace-dat.ts";
import { checkedTraceFifos } from "./trace-fifos.ts";

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

export interface SessionLimits {
  disk: DiskLimits;
  log(line: string): void;
}

export class AgentSession {
  #seq = 0;
  #recorderStopped: Promise<unknown> | undefined;

  private constructor(
    readonly link: AgentLink,
    private readonly recorder: Recorder,
    private readonly cpuFiles: string[],
    /** The guest's metadata, on disk until the file is written. */
    private readonly metadata: MetadataSpool,
    readonly info: AgentSessionInfo,
    private readonly hostTraceId: bigint,
    private readonly watch: DiskWatch,
    log: (line: string) => void,
  ) {
    // A guest is not trusted to stay within the size cap or above the free-space floor: past
    // them its pages are no longer read (its writes then wait in its own virtio queue), and the
    // file is written at stop, trimmed to the cap.
    watch.tripped.then((why) => {
      log(`agent ${link.domain}: ${why}; no more pages are read, the file keeps what fit`);
      this.#stopRecorder();
    });
  }

  static async start(link: AgentLink, args: string[], outBase: string, virtDir: string, hostTraceId: bigint, limits?: SessionLimits): Promise<AgentSession> {
    await link.abandoning; // a failed start's session still being ended (bounded by ABANDON_WAIT_MS)
    if (link.busy) throw new ProtocolError(`${link.domain} is already recording`);
    const fifos = checkedTraceFifos(virtDir, link.domain, link.cpus);
    link.busy = true;
    link.clear();
    const cpuFiles = fifos.map((_, cpu) => `${outBase}.cpu${cpu}`);
    const watch = new DiskWatch(cpuFiles, dirname(outBase), limits?.disk ?? DEFAULT_DISK_LIMITS);
    const recorder = await startFifoReaders(fifos, cpuFiles, link.pageSize, watch);
    const spool = watch.spool(`${outBase}.meta`);
    try {
      const askedAt = performance.now();
      link.send({ cmd: "TRACE_REQ", flags: MSG_TRACE_USE_FIFOS, traceId: hostTraceId, args, tsyncProtos: undefined });
      const resp = await link.expect("TRACE_RESP", TRACE_RESP_WAIT_MS);
      // The agent sends its metadata once it is tracing: the first piece marks the start.
      let tracingAt = 0;
      const next = async (t: number, w: string) => {
        const m = await link.next(t, w);
        tracingAt ||= performance.now();
        return m;
      };
      // An agent reads its kallsyms and formats after TRACE_RESP: in a busy TCG guest the first
      // piece may take as long as TRACE_RESP itself may.
      await streamSendData(next, (d) => spool.append(d), { maxBytes: MAX_METADATA_BYTES, deadline: Date.now() + METADATA_DEADLINE_MS, messageWaitMs: TRACE_RESP_WAIT_MS });
      const info = { name: link.domain, cpus: resp.cpus, traceId: resp.traceId.toString(), qemuPid: link.qemuPid, tracingAfterMs: Math.round(tracingAt - askedAt) };
      return new AgentSession(link, recorder, cpuFiles, spool, info, hostTraceId, watch, limits?.log ?? (() => undefined));
    } catch (e) {
      watch.stop();
      // The agent may have begun the session (a slow guest answers late): it is ended in the
      // background, the FIFOs drained meanwhile, so that the guest takes the next TRACE_REQ.
      link.abandoning = abandonSession(link).finally(async () => {
        spool.remove();
        await recorder.stop().catch(() => undefined);
        removeAll(cpuFiles);
        link.busy = false;
        link.abandoning = undefined;
      });
      throw e;
    }
  }

  /**
   * Clock-sync probes: the host stamps its trace (hostMarker) before and after each round trip,
   * the agent stamps its own trace in between; the markers are paired when the files are written.
   */
  async sync(hostMarker: string, probes = 6): Promise<void> {
    // One round at a time in this process: the reactor stamps one connection's arrivals at a time,
    // and a round's stamps must be the replies of that round's guest.
    const turn = AgentSession.#rounds.then(() => this.#round(hostMarker, probes));
    AgentSession.#rounds = turn.catch(() => undefined);
    return turn;
  }

  static #rounds: Promise<unknown> = Promise.resolve();

  /**
   * The reactor's waiter stamps each reply's arrival into the host trace before the event loop
   * hears of it (as the agent stamps each probe's): neither side's event-loop latency then
   * counts in a leg of the round trip.
   */
  async #round(hostMarker: string, probes: number): Promise<void> {
    const markerFd = openFd(hostMarker, O_WRONLY);
    this.link.ch.stampArrivals?.(markerFd);
    try {
      for (let i = 0; i < probes; i++) {
        const seq = this.#seq++;
        writeText(hostMarker, `vtrace-sync-send ${this.link.domain} ${seq}\n`);
        this.link.send({ cmd: "TIME_SYNC", proto: "vtrace", msgId: TSYNC_PROBE, payload: seqBytes(seq) });
        await this.link.expect("TIME_SYNC", 5000);
        writeText(hostMarker, `vtrace-sync-recv ${this.link.domain} ${seq}\n`);
      }
    } finally {
      this.link.ch.stampArrivals?.(-1);
      closeFd(markerFd);
    }
  }

  /** Stops the agent and writes `outFile` (with TIME_SHIFT when `hostFile` holds sync markers). */
  async stop(outFile: string, hostFile?: string): Promise<StopResult> {
    try {
      if (!this.link.gone) {
        this.link.send({ cmd: "CLOSE" });
        await this.link.expect("CLOSE_RESP", 10_000).catch(() => undefined);
      }
      this.watch.stop();
      if (this.watch.reason === undefined) await waitQuietFiles(this.cpuFiles, 300, 10_000);
      await this.#stopRecorder();
      this.watch.trimToCap(this.link.pageSize);
      const metadata = this.metadata.read();
      const { option, sync } = hostFile ? this.#clockSync(hostFile, metadata) : {};
      const head = option ? appendOptionsV6(metadata, option, true) : metadata;
      writeReceivedTrace(outFile, { head, cpuFiles: this.cpuFiles });
      return { file: outFile, sync };
    } finally {
      this.link.busy = false;
      this.metadata.remove();
      removeAll(this.cpuFiles);
    }
  }

  #stopRecorder(): Promise<unknown> {
    this.#recorderStopped ??= this.recorder.stop();
    return this.#recorderStopped;
  }

  /**
   * The guest file's TIME_SHIFT (and TSC2NSEC) with the host trace opened once: KVM's own offsets
   * where they exist (hardware KVM), else the probes, which stay in the traces either way. A host
   * file that cannot be read, or holds no markers, leaves the guest file unshifted.
   */
  #clockSync(hostFile: string, metadata: Uint8Array): { option?: TraceOption[]; sync?: ClockSync } {
    try {
      using src = openFileSource(hostFile);
      const host = openTraceDat(src);
      const guest = openV6Head(metadata, this.cpuFiles.length);
      const kvm = kvmTimeShift({ qemuPid: this.link.qemuPid, domain: this.link.domain, host, hostTraceId: this.hostTraceId, guest, cpus: this.cpuFiles.length });
      const probes = kvm ? undefined : guestTimeShift(host, this.hostTraceId, this.link.domain, guest, this.cpuFiles);
      const shift = kvm?.option ?? probes?.option;
      if (!shift) return {};
      const sync: ClockSync = kvm
        ? { offset: String(kvm.offset), errorBound: "0", samples: 0, source: kvm.source }
        : { offset: String(probes!.offset), errorBound: String(probes!.errorBound), samples: probes!.samples, source: "probes" };
      return { option: [...hostTsc2nsec(host, guest), shift], sync };
    } catch {
      return {};
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

/**
 * The host file's TSC2NSEC for an x86-tsc guest file that gets TIME_SHIFT (trace-cmd's
 * host_tsync_complete() adds it too): report maps guest TSC → host TSC → host ns.
 */
function hostTsc2nsec(host: TraceDat, guest: TraceDat): TraceOption[] {
  const tsc = host.options.tsc2nsec;
  if (!tsc || tsc.mult === 0 || selectedClock(guest.options.traceClock) !== "x86-tsc") return [];
  return [tsc2nsecOption(tsc.mult, tsc.shift, tsc.offset, guest.params.littleEndian)];
}

/** How long an agent may take to answer TRACE_REQ, and then to send each piece of its metadata. */
const TRACE_RESP_WAIT_MS = 15_000;

/** How long a failed start waits for the agent to end the session it may have begun. */
const ABANDON_WAIT_MS = 20_000;

/** Sends CLOSE and waits (bounded) for the agent's CLOSE_RESP, skipping what it sent before. */
async function abandonSession(link: AgentLink): Promise<void> {
  if (link.gone) return;
  try {
    link.send({ cmd: "CLOSE" });
  } catch {
    return;
  }
  const until = Date.now() + ABANDON_WAIT_MS;
  for (let left = ABANDON_WAIT_MS; left > 0; left = until - Date.now()) {
    const m = await link.next(left, "CLOSE_RESP").catch(() => undefined);
    if (m === undefined || m.cmd === "CLOSE_RESP") return;
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
