// `report -f`: the kernel function map as libtraceevent prints it (address, name, [module]).
// Source of truth: libtraceevent 1.7.1 src/event-parse.c tep_parse_kallsyms() (its sscanf pattern
// "%16llx %c %n%*s%n%*1[\t][%n%*s%n", skipping 'A'/'a' symbols and '$' names, and stopping at the
// first line it cannot parse), tep_register_function() (prepends), func_map_init(), tep_print_funcs().
// Not src/events/symbols.ts: lookups need neither the stop-at-bad-line rule nor the printed order of
// symbols sharing an address (reverse file order here), and it keeps no list to print.

import type { ByteSink } from "../../lib/byte-sink.ts";
import type { TraceDat } from "../../tracedat/reader/trace-dat.ts";
import { hex16, latin1Text, sortLikeRegisteredList, strtokLines, writeLatin1 } from "./latin1.ts";

export interface KernelFunction {
  addr: bigint;
  name: string;
  module?: string;
}

export function writeFuncs(dat: TraceDat, out: ByteSink): void {
  const lines = sortLikeRegisteredList(parseKallsymsList(latin1Text(dat.metadata.kallsyms))).map(
    (f) => `${hex16(f.addr)} ${f.name}${f.module === undefined ? "" : ` [${f.module}]`}\n`,
  );
  writeLatin1(out, lines.join(""));
}

/** The functions tep_parse_kallsyms() registers, in file order. */
export function parseKallsymsList(text: string): KernelFunction[] {
  const funcs: KernelFunction[] = [];
  for (const { line } of strtokLines(text)) {
    const entry = scanLine(line);
    if (entry === "stop") break;
    if (entry) funcs.push(entry);
  }
  return funcs;
}

const isSpace = (c: string | undefined) => c !== undefined && /[ \t\n\v\f\r]/.test(c);
const isHex = (c: string | undefined) => c !== undefined && /[0-9a-fA-F]/.test(c);

/** One line through the sscanf pattern: an entry, undefined for a skipped symbol, "stop" where parsing ends. */
function scanLine(line: string): KernelFunction | undefined | "stop" {
  let p = 0;
  const skipSpace = () => {
    while (isSpace(line[p])) p++;
  };
  skipSpace();
  const addrStart = p;
  while (p - addrStart < 16 && isHex(line[p])) p++;
  if (p === addrStart) return "stop";
  const addr = BigInt(`0x${line.slice(addrStart, p)}`);
  skipSpace();
  const type = line[p++];
  if (type === undefined) return "stop";
  skipSpace();
  const nameStart = p;
  while (p < line.length && !isSpace(line[p])) p++;
  if (p === nameStart) return "stop";
  const name = line.slice(nameStart, p);
  if (name.startsWith("$") || type === "A" || type === "a") return undefined;
  return { addr, name, module: scanModule(line, p) };
}

/** "\t[" then a word whose last char (the ']') is dropped; undefined when the line has no such part. */
function scanModule(line: string, from: number): string | undefined {
  if (line[from] !== "\t" || line[from + 1] !== "[") return undefined;
  const start = from + 2;
  let p = start;
  while (isSpace(line[p])) p++;
  const wordStart = p;
  while (p < line.length && !isSpace(line[p])) p++;
  return p === wordStart ? undefined : line.slice(start, p - 1);
}
