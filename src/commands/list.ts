// `vtrace list`: trace-cmd list's -e, -F, -C, -c, -B and -o, to find what can be recorded.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-list.c (available_events lines matched by a POSIX
// basic regex, case-insensitive; a trailing '$' also matches before the line's newline).

import type { CAC } from "cac";
import { UsageError } from "../errors.ts";
import { compileBasicRegex, RegexError } from "../report/filter/regex.ts";
import { COMPRESSION_NAMES, compressorFor } from "../tracedat/compressors.ts";
import { readText } from "../tracefs/files.ts";
import { findTracefs } from "../tracefs/mount.ts";
import { readdirSync, statSync } from "node:fs";
import { singleOption } from "./options.ts";

export function registerList(cli: CAC): void {
  cli
    .command("list", "List what can be traced: events (-e [REGEX], with -F their formats), clocks, compressions, instances, options")
    .option("-e [regex]", "Events, as system:event, optionally those matching REGEX (POSIX basic, any case)")
    .option("-F", "With -e REGEX: the format of each event")
    .option("-C", "Trace clocks (the selected one in brackets)")
    .option("-c", "Compression algorithms for --compression")
    .option("-B", "Ftrace buffer instances")
    .option("-o", "Trace options")
    .action((o: Record<string, unknown>) => process.stdout.write(listing(o, findTracefs())));
}

function listing(o: Record<string, unknown>, root: string): string {
  if (o.C) return readText(`${root}/trace_clock`);
  if (o.c) return `Supported compression algorithms:\n${COMPRESSION_NAMES.flatMap((n) => (n === "any" || n === "none" ? [] : [`\t${n}, ${compressorFor(n)!.version}\n`])).join("")}`;
  if (o.B) {
    const names = readdirSync(`${root}/instances`).sort();
    return names.length ? names.map((n) => `${n}\n`).join("") : "No buffer instances defined\n";
  }
  if (o.o) return options(root);
  const regex = o.e === undefined || o.e === true ? undefined : singleOption(o.e, "-e");
  if (o.F && regex === undefined) throw new UsageError("-F needs -e REGEX: the events whose formats to show");
  if (regex === undefined) return readText(`${root}/available_events`);
  const events = matchingEvents(root, regex);
  return events.map(([system, event]) => (o.F ? formatOf(root, system, event) : `${system}:${event}\n`)).join("");
}

/** options/: each as its name when on, "no"+name when off, in directory order (show_options()). */
function options(root: string): string {
  return readdirSync(`${root}/options`)
    .map((name) => (readText(`${root}/options/${name}`).trim() === "0" ? `no${name}\n` : `${name}\n`))
    .join("");
}

/**
 * process_events(): "SYS_RE:EVENT_RE" picks the events matching EVENT_RE in systems matching SYS_RE;
 * a bare RE (no ':') picks whole systems it matches and, elsewhere, the events it matches; "SYS_RE:"
 * only whole systems. The ftrace system comes first; directory order throughout.
 */
function matchingEvents(root: string, re: string): [string, string][] {
  const split = /^:*([^:]*):?(.*)$/s.exec(re)!;
  const systemRe = eventRegex(split[1]!);
  const eventRe = split[2] ? eventRegex(split[2]) : undefined;
  const justSystems = eventRe !== undefined || re.endsWith(":");
  const out: [string, string][] = [];
  const systems = ["ftrace", ...readdirSync(`${root}/events`).filter((s) => s !== "ftrace" && isDir(`${root}/events/${s}`))];
  for (const system of systems) {
    const events = readdirSync(`${root}/events/${system}`).filter((e) => isDir(`${root}/events/${system}/${e}`));
    const pick = systemRe.test(system) ? (eventRe ?? /(?:)/) : justSystems ? undefined : systemRe;
    if (pick) for (const e of events) if (pick.test(e)) out.push([system, e]);
  }
  return out;
}

function isDir(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function eventRegex(re: string): RegExp {
  try {
    return compileBasicRegex(re);
  } catch (e) {
    if (e instanceof RegexError) throw new UsageError(`invalid regex '${re}': ${e.message}`);
    throw e;
  }
}

/** "system: SYS", then the format file up to its print fmt line (trace-cmd leaves that out). */
function formatOf(root: string, system: string, event: string): string {
  const text = readText(`${root}/events/${system}/${event}/format`);
  const cut = text.search(/^print fmt/m);
  return `system: ${system}\n${cut < 0 ? text : text.slice(0, cut)}`;
}
