// Gathers everything a trace.dat needs from tracefs and /proc into a plain TraceMetadata,
// so the writer never reads the system ("gather, then encode").

import { readdirSync } from "node:fs";
import os from "node:os";
import type { EventSystemFormats, TraceMetadata } from "../tracedat/model.ts";
import type { EventName } from "./event-specs.ts";
import { readBytes, readText } from "./files.ts";

export function readMetadata(root: string, events: readonly EventName[]): TraceMetadata {
  return {
    headerPage: readBytes(`${root}/events/header_page`),
    headerEvent: readBytes(`${root}/events/header_event`),
    ftraceFormats: readFtraceFormats(root),
    eventSystems: readEventFormats(root, events),
    kallsyms: readBytes("/proc/kallsyms"),
    printk: readBytes(`${root}/printk_formats`),
    cmdlines: readBytes(`${root}/saved_cmdlines`),
  };
}

function readFtraceFormats(root: string): Uint8Array[] {
  const dir = `${root}/events/ftrace`;
  return readdirSync(dir)
    .sort()
    .flatMap((e) => {
      try {
        return [readBytes(`${dir}/${e}/format`)];
      } catch {
        return []; // not an event directory
      }
    });
}

function readEventFormats(root: string, events: readonly EventName[]): EventSystemFormats[] {
  const bySystem = new Map<string, Uint8Array[]>();
  for (const e of events) {
    if (e.system === "ftrace") continue; // stored with the ftrace formats
    let list = bySystem.get(e.system);
    if (!list) bySystem.set(e.system, (list = []));
    list.push(readBytes(`${root}/events/${e.system}/${e.event}/format`));
  }
  return [...bySystem].map(([name, formats]) => ({ name, formats }));
}

/** The UNAME option text: "sysname nodename release machine". */
export function unameText(): string {
  return `${os.type()} ${os.hostname()} ${os.release()} ${os.machine()}`;
}

export function pageSizeOf(root: string): number {
  // header_page: "field: char data;	offset:16;	size:4080;" → page = offset + size
  const text = readText(`${root}/events/header_page`);
  const m = /field: char data;\s*offset:(\d+);\s*size:(\d+);/.exec(text);
  return m ? Number(m[1]) + Number(m[2]) : 4096;
}

/** The kernel's long size from header_page's commit field. */
export function kernelLongSize(root: string): number {
  const m = /field: local_t commit;\s*offset:\d+;\s*size:(\d+);/.exec(readText(`${root}/events/header_page`));
  return m ? Number(m[1]) : 8;
}
