// `record --virt` inside a guest: the control channel is /dev/virtio-ports/agent-ctl-path and
// each CPU's pages are spliced into /dev/virtio-ports/trace-path-cpuN; no network.

import { existsSync } from "node:fs";
import os from "node:os";
import { O_NONBLOCK, O_RDWR, openFd } from "../../ffi/fd.ts";
import { EnvironmentError, ProtocolError, UsageError } from "../errors.ts";
import { MSG_WAIT_MS } from "../msg/commands.ts";
import { sendMetadata } from "../net/listener-client.ts";
import { StopSignal } from "../recorder/stop-signal.ts";
import { prepareInstance, runTracing, type TracingOutcome, type TracingSetup } from "../recorder/tracing-run.ts";
import { resolveEventSpecs } from "../tracefs/event-specs.ts";
import { TraceInstance } from "../tracefs/instance.ts";
import { findTracefs } from "../tracefs/mount.ts";
import { pageSizeOf, readMetadata, unameText } from "../tracefs/snapshot.ts";
import type { TraceFileParams } from "../tracedat/model.ts";
import { recordingOptions } from "../tracedat/options-encode.ts";
import { encodeV6Head } from "../tracedat/writer-v6.ts";
import { fdChannel } from "../transport/fd-channel.ts";
import { FdReactor } from "../transport/fd-reactor.ts";
import type { StreamChannel } from "../transport/stream-channel.ts";
import { guestControlPort, guestTracePort } from "./paths.ts";

export interface VirtRecordOptions extends TracingSetup {
  events: readonly string[];
  instance?: string;
  version: string;
  /** Name sent to the host, used when it cannot find the domain itself. */
  guestName?: string;
}

export async function recordVirt(opts: VirtRecordOptions): Promise<TracingOutcome & { closeAcknowledged: boolean }> {
  if (opts.events.length === 0) throw new UsageError("no events to record: give at least one -e EVENT (e.g. -e sched)");
  const root = findTracefs();
  const ctlPath = guestControlPort();
  if (!existsSync(ctlPath)) throw new EnvironmentError(`${ctlPath} not found: is this a guest with vtrace's virtio-serial ports (vtrace setup-guest)?`);
  const stop = new StopSignal();
  const reactor = new FdReactor();
  let instance: TraceInstance | undefined;
  let ch: StreamChannel | undefined;
  try {
    instance = TraceInstance.open(root, opts.instance);
    const events = resolveEventSpecs(opts.events, instance.availableEvents());
    const cpus = prepareInstance(instance, events, opts);
    const missing = cpus.map(guestTracePort).find((p) => !existsSync(p));
    if (missing) throw new EnvironmentError(`${missing} not found: the guest has fewer trace ports than CPUs`);
    ch = fdChannel(openFd(ctlPath, O_RDWR | O_NONBLOCK), reactor, "host", { hupIsClose: false });
    const pageSize = pageSizeOf(root);
    await startSession(ch, cpus.length, pageSize, opts.guestName ?? os.hostname());
    const params: TraceFileParams = { version: 6, littleEndian: os.endianness() === "LE", longSize: 8, pageSize };
    const options = recordingOptions(
      { clockFileText: instance.clockFileText(), uname: unameText(), version: `${opts.version} vtrace`, traceId: randomId(), cpuStats: [], cpuCount: cpus.length },
      params.littleEndian,
    );
    sendMetadata(ch, encodeV6Head(params, readMetadata(root, events), cpus.length, options));
    const outcome = await runTracing(instance, cpus, opts, stop, (cpu) => ({ kind: "port", path: guestTracePort(cpu) }));
    ch.sendMessage({ cmd: "CLOSE" });
    const closeAcknowledged = await waitCloseResp(ch);
    return { ...outcome, closeAcknowledged };
  } finally {
    stop.dispose();
    if (ch && !ch.closed) ch.close();
    reactor.stop();
    instance?.restore();
  }
}

async function startSession(ch: StreamChannel, cpus: number, pageSize: number, name: string): Promise<void> {
  ch.sendMessage({ cmd: "TINIT", cpus, pageSize, options: ["virt", `name=${name}`] });
  let m;
  try {
    m = await ch.readMessage(MSG_WAIT_MS, "RINIT");
  } catch (e) {
    throw new ProtocolError(`no answer from the host on agent-ctl-path: is 'vtrace virt-server' running? (${(e as Error).message})`);
  }
  if (m.cmd !== "RINIT") throw new ProtocolError(`the host refused the session (${m.cmd})`);
}

/** The host answers CLOSE_RESP once the file is written. */
async function waitCloseResp(ch: StreamChannel): Promise<boolean> {
  try {
    const m = await ch.readMessage(15_000, "CLOSE_RESP");
    return m.cmd === "CLOSE_RESP";
  } catch {
    return false;
  }
}

function randomId(): bigint {
  return crypto.getRandomValues(new BigUint64Array(1))[0]!;
}

