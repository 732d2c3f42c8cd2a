// Public API of the events module: format files in, trace-cmd report "info" text out.
// Source of truth: libtraceevent 1.7.1 as shipped with Debian bookworm trace-cmd 3.1.6.

export { EventCatalog, type EventContext, type RecordInfo } from "./catalog.ts";
export { parseEventFormat, type EventField, type EventFormat } from "./format.ts";
export { decodeKallsyms, parseKallsyms, parsePrintkFormats, type SymbolTable } from "./symbols.ts";
