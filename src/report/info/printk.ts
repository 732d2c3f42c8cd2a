// `report -P`: the printk format strings by address, as libtraceevent prints them.
// Source of truth: libtraceevent 1.7.1 src/event-parse.c tep_parse_printk_formats() (strtok on "\n",
// then on ":", the format taken from one char past the colon), tep_register_print_string() (strips a
// leading quote, a trailing quote and then a "\n" before it; prepends), printk_map_init(), tep_print_printk().
// Not parsePrintkFormats() (src/events/symbols.ts): that is a lookup map, without duplicates or order.

import type { ByteSink } from "../../lib/byte-sink.ts";
import type { TraceDat } from "../../tracedat/reader/trace-dat.ts";
import { hex16, latin1Text, sortLikeRegisteredList, strtokLines, writeLatin1 } from "./latin1.ts";

export interface PrintkFormat {
  addr: bigint;
  format: string;
}

export function writePrintk(dat: TraceDat, out: ByteSink): string[] {
  const { formats, warnings } = parsePrintkList(latin1Text(dat.metadata.printk));
  writeLatin1(out, sortLikeRegisteredList(formats).map((f) => `${hex16(f.addr)} ${f.format}\n`).join(""));
  return warnings;
}

/** The formats tep_parse_printk_formats() registers, in file order. */
export function parsePrintkList(text: string): { formats: PrintkFormat[]; warnings: string[] } {
  const formats: PrintkFormat[] = [];
  for (const { line, end } of strtokLines(text)) {
    const addrStart = line.search(/[^:]/);
    if (addrStart < 0) return { formats, warnings: ["printk format with empty entry"] };
    const colon = line.indexOf(":", addrStart);
    const addr = strtoull16(line.slice(addrStart, colon < 0 ? undefined : colon));
    // strdup(fmt + 1): one char past the colon; when that is the line's end, the C string runs on
    // through the rest of the buffer (later lines still have their newlines).
    const fmtAt = colon < 0 ? line.length : colon + 1;
    const raw = fmtAt + 1 <= line.length ? line.slice(fmtAt + 1) : text.slice(end + 1);
    formats.push({ addr, format: stripQuotes(raw) });
  }
  return { formats, warnings: [] };
}

/** tep_register_print_string(): a leading '"' goes; a trailing '"' goes, and then a "\n" before it. */
function stripQuotes(fmt: string): string {
  let s = fmt.startsWith('"') ? fmt.slice(1) : fmt;
  if (s.length >= 3 && s.endsWith('"')) {
    s = s.slice(0, -1);
    if (s.endsWith("\\n")) s = s.slice(0, -2);
  } else if (s.endsWith('"')) s = s.slice(0, -1);
  return s;
}

const ULLONG_MAX = (1n << 64n) - 1n;

/** strtoull(text, NULL, 16): leading blanks, an optional 0x, hex digits; 0 when none. */
function strtoull16(text: string): bigint {
  const m = /^[ \t\n\v\f\r]*(?:0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]*)/.exec(text)!;
  if (m[1] === "") return 0n;
  const v = BigInt(`0x${m[1]}`);
  return v > ULLONG_MAX ? ULLONG_MAX : v;
}
