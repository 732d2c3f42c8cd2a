// `record -N HOST:PORT`: the local tracing run, with each CPU's pages going to the listener's
// data port for that CPU (UDP: one datagram per page; TCP with -t) instead of a file.

import { lookup } from "node:dns/promises";
import os from "node:os";
import { UsageError, VtraceError } from "../errors.ts";
import { MSG_WAIT_MS } from "../msg/commands.ts";
import { StopSignal } from "../recorder/stop-signal.ts";
import { prepareInstance, runTracing, type TracingOutcome, type TracingSetup } from "../recorder/tracing-run.ts";
import { resolveEventSpecs } from "../tracefs/event-specs.ts";
import { TraceInstance } from "../tracefs/instance.ts";
import { findTracefs } from "../tracefs/mount.ts";
import { pageSizeOf, readMetadata, unameText } from "../tracefs/snapshot.ts";
import { randomTraceId, type TraceFileParams } from "../tracedat/model.ts";
import { recordingOptions } from "../tracedat/options-encode.ts";
import { encodeV6Head } from "../tracedat/writer-v6.ts";
import { connectTcp } from "../transport/tcp-client.ts";
import { handshakeV3, negotiatePorts, sendMetadata } from "./listener-client.ts";

export interface NetRecordOptions extends TracingSetup {
  events: readonly string[];
  host: string;
  port: number;
  tcp: boolean;
  instance?: string;
  version: string;
}

export function parseHostPort(spec: string): { host: string; port: number } {
  const m = /^(.*):(\d{1,5})$/.exec(spec);
  const host = m ? m[1]! : "localhost";
  const port = Number(m ? m[2] : spec);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || host === "") throw new UsageError(`invalid -N '${spec}': expected HOST:PORT`);
  return { host: host.replace(/^\[|\]$/g, ""), port };
}

export async function recordToListener(opts: NetRecordOptions): Promise<TracingOutcome & { ports: number[] }> {
  if (opts.events.length === 0) throw new UsageError("no events to record: give at least one -e EVENT (e.g. -e sched)");
  const root = findTracefs();
  const ip = await resolveIPv4(opts.host);
  const stop = new StopSignal();
  let instance: TraceInstance | undefined;
  try {
    instance = TraceInstance.open(root, opts.instance);
    const events = resolveEventSpecs(opts.events, instance.availableEvents());
    const cpus = prepareInstance(instance, events, opts);
    const ch = await connectTcp(ip, opts.port, MSG_WAIT_MS);
    try {
      await handshakeV3(ch);
      const pageSize = pageSizeOf(root);
      const ports = await negotiatePorts(ch, cpus.length, pageSize, opts.tcp);
      const params: TraceFileParams = { version: 6, littleEndian: os.endianness() === "LE", longSize: 8, pageSize };
      const options = recordingOptions(
        { clockFileText: instance.clockFileText(), uname: unameText(), version: `${opts.version} vtrace`, traceId: randomTraceId(), cpuStats: [], cpuCount: cpus.length },
        params.littleEndian,
      );
      sendMetadata(ch, encodeV6Head(params, readMetadata(root, events), cpus.length, options));
      const kind = opts.tcp ? "tcp" : "udp";
      const outcome = await runTracing(instance, cpus, opts, stop, (cpu) => ({ kind, ip, port: ports[cpu]! }));
      ch.sendMessage({ cmd: "CLOSE" });
      await Bun.sleep(50);
      return { ...outcome, ports };
    } finally {
      ch.close();
    }
  } finally {
    stop.dispose();
    instance?.restore();
  }
}

async function resolveIPv4(host: string): Promise<string> {
  try {
    return (await lookup(host, { family: 4 })).address;
  } catch (e) {
    throw new VtraceError(`cannot resolve '${host}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
