// Reads the tracefs files `trace-cmd stat` shows (trace-cmd 3.1.6 tracecmd/trace-stat.c) into a
// StatSnapshot. Like trace-cmd, a file that cannot be read is not an error: it is null, shown as nothing.

import { existsSync, readdirSync } from "node:fs";
import os from "node:os";
import { parseCpuList } from "../report/cpu-list.ts";
import { readTextOrNull } from "./files.ts";
import { TraceInstance } from "./instance.ts";
import { type BufferState, type EventEntry, type EventSystem, type StatFile, type StatSnapshot, STAT_FILES } from "./stat-text.ts";

const STACK_TRACER = "/proc/sys/kernel/stack_tracer_enabled";

/** Reads each buffer (undefined = the top level); a named instance that does not exist is a UsageError. */
export function readStatSnapshot(root: string, buffers: readonly (string | undefined)[], showOptions: boolean): StatSnapshot {
  const dirs = buffers.map((name) => TraceInstance.existing(root, name).dir);
  return {
    buffers: buffers.map((name, i) => readBuffer(root, dirs[i]!, name, showOptions)),
    showOptions,
    cpuCount: configuredCpus(),
    stackTracer: existsSync(STACK_TRACER) ? { exists: true, text: readTextOrNull(STACK_TRACER) } : { exists: false },
  };
}

function readBuffer(root: string, dir: string, instance: string | undefined, showOptions: boolean): BufferState {
  const files = Object.fromEntries(STAT_FILES.map((f) => [f, readTextOrNull(`${dir}/${f}`)])) as Record<StatFile, string | null>;
  return {
    instance,
    files,
    events: readEvents(`${dir}/events`),
    cpuBufferSizeKb: readCpuBufferSizes(dir),
    options: showOptions ? listDir(`${dir}/options`).map(({ name }) => ({ name, text: readTextOrNull(`${dir}/options/${name}`) })) : [],
    instances: instance === undefined ? listDir(`${root}/instances`).filter((e) => e.isDir).map((e) => e.name) : [],
  };
}

function readEvents(dir: string): EventSystem[] {
  return listDir(dir).map(({ name, isDir }) => ({
    name,
    isDir,
    enable: isDir ? readTextOrNull(`${dir}/${name}/enable`) : null,
    entries: isDir ? listDir(`${dir}/${name}`).map((e) => readEventEntry(`${dir}/${name}`, e)) : [],
  }));
}

function readEventEntry(systemDir: string, { name, isDir }: { name: string; isDir: boolean }): EventEntry {
  if (!isDir) return { name, isDir, enable: null, filter: null, trigger: null };
  const at = (file: string) => readTextOrNull(`${systemDir}/${name}/${file}`);
  return { name, isDir, enable: at("enable"), filter: at("filter"), trigger: at("trigger") };
}

/** per_cpu/cpuN/buffer_size_kb from cpu0 until one is missing, as report_buffers() reads them. */
function readCpuBufferSizes(dir: string): string[] {
  const sizes: string[] = [];
  for (let cpu = 0; ; cpu++) {
    const text = readTextOrNull(`${dir}/per_cpu/cpu${cpu}/buffer_size_kb`);
    if (text === null) return sizes;
    sizes.push(text);
  }
}

/** A folder's entries in directory order (what readdir() gives trace-cmd); none when it cannot be read. */
function listDir(dir: string): { name: string; isDir: boolean }[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).map((d) => ({ name: d.name, isDir: d.isDirectory() }));
  } catch {
    return [];
  }
}

/** sysconf(_SC_NPROCESSORS_CONF): glibc counts the CPUs in /sys/devices/system/cpu/possible. */
function configuredCpus(): number {
  try {
    return parseCpuList(readTextOrNull("/sys/devices/system/cpu/possible")?.trim() ?? "").length;
  } catch {
    return os.cpus().length;
  }
}
