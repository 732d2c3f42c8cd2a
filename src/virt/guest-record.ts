// `record --virt` inside a guest: the control channel is /dev/virtio-ports/agent-ctl-path and
// each CPU's pages are spliced into /dev/virtio-ports/trace-path-cpuN; no network.

import { existsSync } from "node:fs";
import os from "node:os";
import { O_NONBLOCK, O_RDWR, openFd } from "../../ffi/fd.ts";
import { EnvironmentError, ProtocolError, UsageError } from "../errors.ts";
import { MSG_WAIT_MS } from "../msg/commands.ts";
import { StopSignal } from "../recorder/stop-signal.ts";
import { prepareInstance, type TracingOutcome, type TracingSetup } from "../recorder/tracing-run.ts";
import { resolveEventSpecs } from "../tracefs/event-specs.ts";
import { TraceInstance } from "../tracefs/instance.ts";
import { findTracefs } from "../tracefs/mount.ts";
import { pageSizeOf } from "../tracefs/snapshot.ts";
import { fdChannel } from "../transport/fd-channel.ts";
import { FdReactor } from "../transport/fd-reactor.ts";
import type { StreamChannel } from "../transport/stream-channel.ts";
import { randomTraceId } from "../tracedat/model.ts";
import { streamToHost } from "./guest-stream.ts";
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
    await startSession(ch, cpus.length, pageSizeOf(root), opts.guestName ?? os.hostname());
    const outcome = await streamToHost({ ch, instance, events, cpus, setup: opts, stop, version: opts.version, traceId: randomTraceId() });
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
