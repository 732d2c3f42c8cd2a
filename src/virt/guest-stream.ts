// The guest half of a session once the host has agreed: send the trace.dat metadata over the
// control channel, then splice each CPU's pages into its trace-path-cpuN port until stopped.
// Shared by `record --virt` and `agent`.

import os from "node:os";
import type { StopTrigger } from "../recorder/stop-signal.ts";
import { runTracing, type TracingOutcome, type TracingSetup } from "../recorder/tracing-run.ts";
import type { EventName } from "../tracefs/event-specs.ts";
import type { TraceInstance } from "../tracefs/instance.ts";
import { pageSizeOf, readMetadata, unameText } from "../tracefs/snapshot.ts";
import type { TraceFileParams } from "../tracedat/model.ts";
import { recordingOptions } from "../tracedat/options-encode.ts";
import { encodeV6Head } from "../tracedat/writer-v6.ts";
import { sendMetadata } from "../net/listener-client.ts";
import type { StreamChannel } from "../transport/stream-channel.ts";
import { guestTracePort } from "./paths.ts";

export interface GuestStream {
  ch: StreamChannel;
  instance: TraceInstance;
  events: readonly EventName[];
  cpus: number[];
  setup: TracingSetup;
  stop: StopTrigger;
  version: string;
  traceId: bigint;
}

export async function streamToHost(s: GuestStream): Promise<TracingOutcome> {
  const root = s.instance.root;
  const params: TraceFileParams = { version: 6, littleEndian: os.endianness() === "LE", longSize: 8, pageSize: pageSizeOf(root) };
  const options = recordingOptions(
    { clockFileText: s.instance.clockFileText(), uname: unameText(), version: `${s.version} vtrace`, traceId: s.traceId, cpuStats: [], cpuCount: s.cpus.length },
    params.littleEndian,
  );
  // The metadata goes once tracing is on: the host may probe the clock right after it, and the
  // guest can only stamp trace_marker while its ring buffer is on.
  const setup = {
    ...s.setup,
    afterStart: async (dir: string) => {
      sendMetadata(s.ch, encodeV6Head(params, readMetadata(root, s.events), s.cpus.length, options));
      await s.setup.afterStart?.(dir);
    },
  };
  return runTracing(s.instance, s.cpus, setup, s.stop, (cpu) => ({ kind: "port", path: guestTracePort(cpu) }));
}
