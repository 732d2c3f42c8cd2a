// Parses a tracefs event `format` file into fields and the raw print fmt.
// Source of truth: kernel kernel/trace/trace_events.c (f_show), libtraceevent
// src/event-parse.c event_read_fields() for the field flags (array, string, long).

import { FormatError } from "../errors.ts";

export interface EventField {
  name: string;
  type: string;
  offset: number;
  size: number;
  signed: boolean;
  /** fixed array length (e.g. char comm[16] -> 16), 0 when not an array */
  arrayLength: number;
  /** __data_loc / __rel_loc dynamic field */
  dynamic: boolean;
  isCommon: boolean;
}

export interface EventFormat {
  id: number;
  system: string;
  name: string;
  fields: EventField[];
  commonFields: EventField[];
  printFmt: string;
}

const FIELD_RE = /^\s*field:(.*?);\s*offset:(\d+);\s*size:(\d+);(?:\s*signed:(\d+);)?/;

export function parseEventFormat(text: string, system: string): EventFormat {
  const name = /^name: (\S+)/m.exec(text)?.[1];
  const id = /^ID: (\d+)/m.exec(text)?.[1];
  const fmtAt = text.indexOf("\nprint fmt: ");
  if (name === undefined || id === undefined || fmtAt < 0) {
    throw new FormatError(`cannot parse event format of system '${system}': missing name, ID or print fmt`, {
      system,
      name,
    });
  }
  const { commonFields, fields } = parseFieldBlock(text.slice(0, fmtAt), name);
  const printFmt = text.slice(fmtAt + "\nprint fmt: ".length).replace(/\n+$/, "");
  return { id: Number(id), system, name, fields, commonFields, printFmt };
}

function parseFieldBlock(text: string, event: string): { commonFields: EventField[]; fields: EventField[] } {
  const start = text.indexOf("\nformat:");
  if (start < 0) throw new FormatError(`cannot parse event '${event}': no 'format:' line`, { event });
  const commonFields: EventField[] = [];
  const fields: EventField[] = [];
  let inCommon = true;
  for (const line of text.slice(start + 8).split("\n")) {
    if (line.trim() === "") {
      if (commonFields.length > 0) inCommon = false;
      continue;
    }
    const m = FIELD_RE.exec(line);
    if (!m) throw new FormatError(`cannot parse field line of event '${event}': '${line.trim()}'`, { event });
    const field = parseFieldDecl(m[1]!, Number(m[2]), Number(m[3]), m[4] === "1", inCommon);
    (inCommon ? commonFields : fields).push(field);
  }
  return { commonFields, fields };
}

function parseFieldDecl(decl: string, offset: number, size: number, signed: boolean, isCommon: boolean): EventField {
  const m = /^(.*?)\s*\b([A-Za-z_][A-Za-z0-9_]*)\s*(\[[^\]]*\])?\s*$/.exec(decl.trim());
  if (!m) throw new FormatError(`cannot parse field declaration '${decl}'`, { decl });
  const base = m[1]!.trim();
  const brackets = m[3];
  const type = brackets ? `${base}${brackets.replace(/\s+/g, "")}` : base;
  const dynamic = base.startsWith("__data_loc") || base.startsWith("__rel_loc");
  const arrayLength = brackets ? Number.parseInt(brackets.slice(1, -1).trim().split(/\s+/).pop() ?? "", 0) || 0 : 0;
  return { name: m[2]!, type, offset, size, signed, arrayLength, dynamic, isCommon };
}
