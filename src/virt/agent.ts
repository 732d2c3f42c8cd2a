// `vtrace agent` in a guest: announce itself on agent-ctl-path, wait for orders, and for each
// TRACE_REQ record with the host's arguments, streaming through the trace-path-cpuN ports,
// until the host's CLOSE. It announces itself again whenever the host side of the port reconnects,
// so a restarted host server finds it.
//   agent → host  TINIT{cpus, page size, ["agent", "name=H"]}   host → agent  RINIT (ack)
//   host → agent  TRACE_REQ{args, host trace id}   agent → host  TRACE_RESP{cpus, page size, guest trace id}
//   agent → host  SEND_DATA…FIN_DATA, pages …     host → agent  CLOSE     agent → host  CLOSE_RESP

import { existsSync } from "node:fs";
import os from "node:os";
import { closeFd, O_NONBLOCK, O_RDWR, O_WRONLY, openFd } from "../../ffi/fd.ts";
import { EnvironmentError } from "../errors.ts";
import type { Message, MessageOf } from "../msg/messages.ts";
import { ProgressLine } from "../recorder/progress.ts";
import { warmWorkers } from "../recorder/recorder.ts";
import { ManualStop } from "../recorder/stop-signal.ts";
import { prepareInstance } from "../recorder/tracing-run.ts";
import { resolveEventSpecs } from "../tracefs/event-specs.ts";
import { TraceInstance } from "../tracefs/instance.ts";
import { findTracefs } from "../tracefs/mount.ts";
import { pageSizeOf } from "../tracefs/snapshot.ts";
import { fdChannel } from "../transport/fd-channel.ts";
import { FdReactor } from "../transport/fd-reactor.ts";
import type { StreamChannel } from "../transport/stream-channel.ts";
import { writeText } from "../tracefs/files.ts";
import { parseAgentArgs } from "./agent-args.ts";
import { TSYNC_PROBE, TSYNC_REPLY } from "./agent-session.ts";
import { randomTraceId } from "../tracedat/model.ts";
import { streamToHost } from "./guest-stream.ts";
import { guestControlPort } from "./paths.ts";

export interface AgentOptions {
  version: string;
  log(line: string): void;
  /** Resolves when the agent should exit (SIGINT/SIGTERM). */
  exit: Promise<void>;
}

export async function runAgent(opts: AgentOptions): Promise<void> {
  const root = findTracefs();
  const ctlPath = guestControlPort();
  if (!existsSync(ctlPath)) throw new EnvironmentError(`${ctlPath} not found: is this a guest with vtrace's virtio-serial ports?`);
  const cpus = Array.from({ length: TraceInstance.open(root).cpuCount() }, (_, i) => i);
  const hello: Message = { cmd: "TINIT", cpus: cpus.length, pageSize: pageSizeOf(root), options: ["agent", `name=${os.hostname()}`] };
  const reactor = new FdReactor();
  // Announce again whenever QEMU's chardev reconnects (a restarted virt-server): the port's HUP
  // ends then, which wakes the reactor; nothing runs while the agent waits.
  const ch: StreamChannel = fdChannel(openFd(ctlPath, O_RDWR | O_NONBLOCK), reactor, "host", {
    hupIsClose: false,
    onHostUp: () => {
      if (!ch.pendingOutput) ch.sendMessage(hello);
    },
  });
  const exited = opts.exit.then(() => undefined);
  opts.log(`vtrace agent: waiting for the host on ${ctlPath}`);
  // The process's mover threads start now (a Worker boots slowly in a TCG guest) and stay in its
  // pool for every session.
  const warm = warmWorkers(cpus.length);
  try {
    ch.sendMessage(hello);
    for (;;) {
      const m = await Promise.race([ch.readMessage(undefined, "orders"), exited]);
      if (m === undefined) break;
      if (m.cmd === "TRACE_REQ") {
        await session(ch, m, root, opts);
      } else if (m.cmd !== "RINIT" && m.cmd !== "NOT_SUPP") ch.sendMessage({ cmd: "NOT_SUPP" });
    }
  } finally {
    for (const w of warm) w.terminate();
    reactor.stop();
    if (!ch.closed) ch.close();
  }
}

async function session(ch: StreamChannel, req: MessageOf<"TRACE_REQ">, root: string, opts: AgentOptions): Promise<void> {
  let instance: TraceInstance | undefined;
  let markerFd = -1;
  try {
    const rec = parseAgentArgs(req.args ?? []);
    instance = TraceInstance.open(root);
    const events = resolveEventSpecs(rec.events, instance.availableEvents());
    const setup = {
      clock: rec.clock,
      bufferKb: rec.bufferKb,
      filters: rec.filters,
      command: [],
      progress: new ProgressLine({ isTTY: false, write: () => true }),
      afterStart: async () => opts.log("vtrace agent: tracing, metadata sent"),
    };
    const cpus = prepareInstance(instance, events, setup);
    // Only clock-sync probes and CLOSE arrive during a session: each arrival's stamp is the
    // earliest guest-side time of a probe (the event loop runs a while later under TCG).
    markerFd = openFd(`${instance.dir}/trace_marker`, O_WRONLY);
    ch.stampArrivals?.(markerFd);
    const traceId = randomTraceId();
    ch.sendMessage({ cmd: "TRACE_RESP", flags: req.flags, cpus: cpus.length, pageSize: pageSizeOf(root), traceId, tsyncProto: "", tsyncPort: 0, ports: cpus.map(() => 0) });
    opts.log(`vtrace agent: recording ${rec.events.join(" ")} for host trace ${req.traceId.toString(16)}`);
    const stop = new ManualStop();
    const watcher = watchForClose(ch, stop, `${instance.dir}/trace_marker`);
    const outcome = await streamToHost({ ch, instance, events, cpus, setup, stop, version: opts.version, traceId });
    await watcher;
    ch.sendMessage({ cmd: "CLOSE_RESP" });
    opts.log(`vtrace agent: session done, ${outcome.results.reduce((s, r) => s + r.bytes, 0)} bytes sent`);
  } catch (e) {
    opts.log(`vtrace agent: ${(e as Error).message}`);
    if (!ch.closed) ch.sendMessage({ cmd: "NOT_SUPP" });
  } finally {
    ch.stampArrivals?.(-1);
    if (markerFd >= 0) closeFd(markerFd);
    instance?.restore();
  }
}

/** While tracing: clock-sync probes are stamped into the trace and answered; CLOSE ends the session. */
async function watchForClose(ch: StreamChannel, stop: ManualStop, marker: string): Promise<void> {
  for (;;) {
    const m = await ch.readMessage(undefined, "CLOSE").catch(() => undefined);
    if (m === undefined || m.cmd === "CLOSE") {
      stop.fire(m === undefined ? "host gone" : "host CLOSE");
      return;
    }
    if (m.cmd === "TIME_SYNC" && m.msgId === TSYNC_PROBE && m.payload.length >= 4) {
      try {
        writeText(marker, `vtrace-sync ${new DataView(m.payload.buffer, m.payload.byteOffset).getUint32(0)}\n`);
      } catch {
        // EBADF while the ring buffer is off: this probe just won't pair
      }
      ch.sendMessage({ cmd: "TIME_SYNC", proto: m.proto, msgId: TSYNC_REPLY, payload: m.payload });
    } else if (m.cmd !== "RINIT" && m.cmd !== "NOT_SUPP") ch.sendMessage({ cmd: "NOT_SUPP" });
  }
}
