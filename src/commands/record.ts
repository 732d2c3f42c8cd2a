// `vtrace record`: options in, recordLocal() out, a per-CPU summary printed at the end.

import type { CAC } from "cac";
import { UsageError, VtraceError } from "../errors.ts";
import { formatBytes, ProgressLine } from "../recorder/progress.ts";
import { type LocalRecordOptions, recordLocal } from "../recorder/local-session.ts";
import { type NetRecordOptions, parseHostPort, recordToListener } from "../net/net-session.ts";
import { randomTraceId } from "../tracedat/model.ts";
import { type ClockPlan, guestClockArgs, planClock, resolveTsc, TSC_CLOCK, type TscConversion } from "../recorder/tsc-clock.ts";
import { VTRACE_VERSION } from "../version.ts";
import { recordVirt, type VirtRecordOptions } from "../virt/guest-record.ts";
import { convertInPlace } from "../convert/convert-file.ts";
import { parseAgentArgs, splitGuestArgs } from "../virt/agent-args.ts";
import type { GuestReply } from "../virt/control-protocol.ts";
import { describeSync } from "../virt/control-protocol.ts";
import { startGuests } from "../virt/host-guests.ts";
import { DEFAULT_VIRT_DIR } from "../virt/paths.ts";
import os from "node:os";
import { existsSync } from "node:fs";
import { cpumaskOption, eventFilters, fileFormat, secondsOption, taskFilter } from "./record-options.ts";
import { formatSummary } from "./summary.ts";
import { describeUnrecorded, unrecordedGuests } from "../virt/guest-outcome.ts";
import { intOption, listOption, singleOption, VIRT_DIR_FLAG, virtDirOf } from "./options.ts";

export function registerRecord(cli: CAC): void {
  cli
    .command("record [...command]", "Record ftrace events into a trace.dat (until the command exits, or Ctrl-C)")
    .option("-e, --event <event>", "Event to record: system, system:event or a glob (repeatable)", { type: [String] })
    .option("-f <filter>", "Ftrace filter for the events of the -e before it (e.g. -e sched_switch -f 'prev_pid != 0'; repeatable)", { type: [String] })
    .option("-F", "Trace only the command (its events, none of other tasks)")
    .option("-P, --pid <pid>", "Trace only this existing pid (repeatable)", { type: [String] })
    .option("-c", "With -F or -P: their children too")
    .option("-M <mask>", "Trace only the CPUs of this hex mask (e.g. 1 = CPU 0, c = CPUs 2 and 3)")
    .option("-o, --output <file>", "Output file", { default: "trace.dat" })
    .option("-C, --clock <clock>", "Trace clock (local, global, mono, x86-tsc, ...; tsc2nsec = x86-tsc shown in ns)")
    .option("--tsc2nsec", "Record with x86-tsc and store the TSC → ns conversion; fail if the TSC frequency is unknown")
    .option("-b, --buffer-size <kib>", "Per-CPU ring buffer size in KiB")
    .option("-B, --instance <name>", "Record in ftrace instance NAME (created if missing) instead of the top buffer")
    .option("--date", "Store the trace clock's offset to the wall clock, so reports show the date's seconds (trace-cmd --date)")
    .option("--ts-offset <ns>", "Store an offset in ns that reports add to every timestamp")
    .option("--file-version <n>", "trace.dat version: 6 (default) or 7 (sections, compressed with --compression)")
    .option("--compression <name>", "With version 7: zstd, zlib, any (= zstd, the default) or none; implies --file-version 7")
    .option("-N, --connect <host:port>", "Send the recording live to a 'vtrace listen' or 'trace-cmd listen' server")
    .option("-t, --tcp", "With -N: send data over TCP instead of UDP")
    .option("--virt", "In a guest: send the recording to the host's virt-server over virtio-serial")
    .option("-A, --agent <guest>", "Also record guest GUEST through its agent; the -e/-f/-C/-b after it are the guest's (repeatable)", { type: [String] })
    .option(VIRT_DIR_FLAG, "Virt folder of the virt-server (for -A)", { default: DEFAULT_VIRT_DIR })
    .option("--sync-interval <seconds>", "With -A: clock-sync probe rounds also every SECONDS while recording (default: start and end only)")
    .example("vtrace record -e sched -e irq -o t.dat -- sleep 1")
    .action(async (positional: string[], o: Record<string, unknown>) => {
      const format = fileFormat(o.fileVersion, o.compression);
      const common = {
        events: listOption(o.event),
        filters: eventFilters(process.argv.slice(process.argv.indexOf("record") + 1)),
        tasks: taskFilter(o, positional.length + listOption(o["--"]).length > 0),
        cpumask: cpumaskOption(o.M, os.cpus().length),
        clock: singleOption(o.clock, "-C"),
        bufferKb: o.bufferSize === undefined ? undefined : intOption(o.bufferSize, "--buffer-size", 1, 1 << 22),
        instance: singleOption(o.instance, "-B"),
        command: [...positional.map(String), ...listOption(o["--"])],
        version: VTRACE_VERSION,
        progress: new ProgressLine(process.stderr),
      };
      const timeShift = timeShiftOptions(o);
      if (timeShift.date || timeShift.tsOffset !== undefined) {
        if (listOption(o.agent).length > 0 || o.virt || o.connect !== undefined) throw new UsageError("--date and --ts-offset need a local recording (not -A, -N or --virt)");
      }
      const syncIntervalMs = o.syncInterval === undefined ? undefined : secondsOption(o.syncInterval, "--sync-interval") * 1000;
      if (listOption(o.agent).length > 0) {
        return recordWithGuests(String(o.output), virtDirOf(o), { ...common, ...format, output: String(o.output) }, syncIntervalMs);
      }
      if (syncIntervalMs !== undefined) throw new UsageError("--sync-interval only makes sense with -A GUEST");
      const clockPlan = planClock(common.clock, o.tsc2nsec === true);
      const connect = singleOption(o.connect, "-N");
      if (clockPlan.tsc === "require" && (o.virt || connect !== undefined)) throw new UsageError("-C tsc2nsec and --tsc2nsec need a local recording (not -N or --virt)");
      if (o.virt && connect !== undefined) throw new UsageError("--virt and -N cannot be combined");
      if (format.fileVersion === 7 && (o.virt || connect !== undefined)) throw new UsageError("--file-version 7 and --compression need a local recording (not -N or --virt)");
      if (o.virt) return recordGuest(common);
      if (connect !== undefined) return recordNetwork(connect, o.tcp === true, common);
      if (o.tcp) throw new UsageError("-t only makes sense with -N HOST:PORT");
      const summary = await recordLocal({ ...common, ...format, ...timeShift, clock: clockPlan.clock, output: String(o.output), tsc2nsec: tscConversion(clockPlan) });
      process.stderr.write(formatSummary(summary));
      if (summary.restoreFailures.length > 0) {
        throw new UsageError(`could not restore tracefs state: ${summary.restoreFailures.join("; ")}`);
      }
    });
}

/** --date or --ts-offset NS (not both, as trace-cmd). */
function timeShiftOptions(o: Record<string, unknown>): { date: boolean; tsOffset?: string } {
  const tsOffset = singleOption(o.tsOffset, "--ts-offset");
  if (tsOffset !== undefined && !/^[+-]?\d+$/.test(tsOffset)) throw new UsageError(`invalid --ts-offset '${tsOffset}': expected an integer of ns`);
  if (tsOffset !== undefined && o.date === true) throw new UsageError("--date and --ts-offset cannot go together");
  return { date: o.date === true, tsOffset };
}

async function recordNetwork(spec: string, tcp: boolean, common: Omit<NetRecordOptions, "host" | "port" | "tcp">): Promise<void> {
  const { host, port } = parseHostPort(spec);
  const r = await recordToListener({ ...common, host, port, tcp });
  const why = r.signal ? ` (stopped by ${r.signal})` : r.exitCode !== null ? ` (command exited with ${r.exitCode})` : "";
  const cpus = r.results.map((c) => `  cpu${c.cpu}: ${formatBytes(c.bytes)} to port ${r.ports[c.cpu]}`);
  process.stderr.write(`vtrace record: sent to ${host}:${port} over ${tcp ? "TCP" : "UDP"}${why}\n${cpus.join("\n")}\n`);
}

/**
 * `record ... -A g1 ... -A g2 ...`: the options before the first -A are the host's. The guests start
 * once host tracing is on and are clock-synced (probes stamped in both traces) at start and before
 * the host stops; x86-tsc is the default clock on both sides so the guest files can carry TIME_SHIFT.
 */
async function recordWithGuests(output: string, virtDir: string, common: LocalRecordOptions, syncIntervalMs?: number): Promise<void> {
  const argv = process.argv.slice(process.argv.indexOf("record") + 1);
  const split = splitGuestArgs(argv);
  const hostEvents = valuesOf(split.host, ["-e", "--event"]);
  const hostClock = planClock(valuesOf(split.host, ["-C", "--clock"])[0] ?? TSC_CLOCK, split.host.includes("--tsc2nsec"));
  const plans = split.guests.map((g) => ({ name: g.name, args: guestClockArgs(g.args, parseAgentArgs(g.args).clock) }));
  const traceId = randomTraceId();
  let guests: Awaited<ReturnType<typeof startGuests>> | undefined;
  let startedMs = 0;
  let stoppedMs = 0;
  let failed = false;
  try {
    const summary = await recordLocal({
      ...common,
      events: hostEvents,
      clock: hostClock.clock,
      tsc2nsec: tscConversion(hostClock),
      traceId,
      afterStart: async (instanceDir) => {
        const hostMarker = `${instanceDir}/trace_marker`;
        const askedMs = performance.now();
        guests = await startGuests({ virtDir, output, plans, hostTraceId: traceId, littleEndian: os.endianness() === "LE", hostMarker, syncIntervalMs });
        startedMs = askedMs + Math.max(0, ...guests.started.map((g) => g.tracingAfterMs ?? 0));
        for (const f of guests.failed) process.stderr.write(`vtrace record: guest ${f.name}: ${f.error}\n`);
        for (const note of guests.notes) process.stderr.write(`vtrace record: ${note}\n`);
      },
      beforeStop: async (instanceDir) => guests?.sync(`${instanceDir}/trace_marker`),
      extraOptions: () => guests?.guestOptions ?? [],
    });
    stoppedMs = performance.now();
    process.stderr.write(formatSummary(summary));
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    stoppedMs ||= performance.now();
    const replies = (await guests?.stop()) ?? [];
    const closedMs = performance.now() - stoppedMs;
    for (const g of replies) {
      convertGuestFile(g, common);
      process.stderr.write(`${guestLine(g)}\n`);
    }
    const missing = unrecordedGuests(plans.map((p) => p.name), guests?.failed ?? [], replies, existsSync);
    const traced = plans.length - missing.length;
    if (traced > 0) process.stderr.write(`vtrace record: guests tracing ${startedMs.toFixed(0)} ms after start; guest files closed ${closedMs.toFixed(0)} ms after stop\n`);
    // Exit 1 once everything that could be written is: a guest asked for and not recorded is a failure.
    if (missing.length > 0 && !failed) throw new VtraceError(describeUnrecorded(missing, plans.length));
  }
}

/**
 * Guests stream v6 pages to the host; with --file-version 7 their files are rewritten as v7 once
 * closed, so the host and guest files of a session share one format. A failure keeps the v6 file.
 */
function convertGuestFile(g: GuestReply, opts: Pick<LocalRecordOptions, "fileVersion" | "compression">): void {
  if (!g.ok || g.file === undefined || opts.fileVersion !== 7) return;
  try {
    convertInPlace(g.file, { fileVersion: 7, compression: opts.compression });
  } catch (e) {
    process.stderr.write(`vtrace record: guest ${g.name}: ${g.file} stays version 6: ${(e as Error).message}\n`);
  }
}

/** The TSC2NSEC conversion a clock plan asks for; one stderr line when cycles stay cycles. */
function tscConversion(plan: ClockPlan): TscConversion | undefined {
  const r = resolveTsc(plan);
  if (r.note) process.stderr.write(`vtrace record: ${r.note}\n`);
  return r.conversion;
}

function guestLine(g: GuestReply): string {
  if (!g.ok) return `vtrace record: guest ${g.name}: ${g.error}`;
  const sync = g.sync ? `, ${describeSync(g.sync)}` : ", no clock sync";
  return `vtrace record: wrote ${g.file} (guest ${g.name}${sync})`;
}





function valuesOf(args: readonly string[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) if (names.includes(args[i]!) && args[i + 1] !== undefined) out.push(args[++i]!);
  return out;
}

async function recordGuest(common: Omit<VirtRecordOptions, "guestName">): Promise<void> {
  const r = await recordVirt(common);
  const why = r.signal ? ` (stopped by ${r.signal})` : r.exitCode !== null ? ` (command exited with ${r.exitCode})` : "";
  const cpus = r.results.map((c) => `  cpu${c.cpu}: ${formatBytes(c.bytes)}`);
  const ack = r.closeAcknowledged ? "the host wrote the file" : "no acknowledgement from the host";
  process.stderr.write(`vtrace record: sent to the host over virtio-serial${why}; ${ack}\n${cpus.join("\n")}\n`);
}
