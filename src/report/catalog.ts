// The per-file event context from trace.dat metadata: formats, kallsyms, printk, cmdlines.
// Formats are compiled on first use and kallsyms parsed on first lookup: a *:* file carries ~2,300
// formats and a 5 MB kallsyms while a report typically touches a few dozen events.
// Source of truth: trace-cmd 3.1.6 trace-input.c tracecmd_read_headers() (what goes into the tep handle).

import { decodeText } from "../lib/cursor.ts";
import type { TraceDat } from "../tracedat/reader/trace-dat.ts";
import { Comms } from "./cmdlines.ts";
import { inSmallHeap } from "../small-heap.ts";
import { decodeKallsyms, EventCatalog, parsePrintkFormats, type EventFormat, type SymbolTable } from "./events.ts";

const FORMAT_ID = /^ID:\s*(\d+)/m;

export class FileContext {
  readonly catalog: EventCatalog;
  readonly comms: Comms;
  /** Formats that failed to parse, as warnings. */
  readonly warnings: string[] = [];
  #pending = new Map<number, { system: string; text: Uint8Array }>();
  #events = new Map<number, EventFormat | undefined>();

  /** `funcRepeatTimeFormat`: trace-cmd's tep_func_repeat_format (see funcRepeatFormat()). */
  constructor(dat: TraceDat, funcRepeatTimeFormat?: string, noPlugin?: (event: EventFormat) => boolean) {
    filesOpened++;
    this.catalog = new EventCatalog({
      littleEndian: dat.params.littleEndian,
      longSize: dat.params.longSize,
      symbols: lazySymbols(dat),
      printk: parsePrintkFormats(decodeText(dat.metadata.printk)),
      funcRepeatTimeFormat,
      noPlugin,
    });
    this.comms = new Comms(decodeText(dat.metadata.cmdlines));
    for (const f of dat.metadata.ftraceFormats) this.#index("ftrace", f);
    for (const sys of dat.metadata.eventSystems) for (const f of sys.formats) this.#index(sys.name, f);
  }

  /** The event format with this common_type id, compiled on first use. */
  event(id: number): EventFormat | undefined {
    if (this.#events.has(id)) return this.#events.get(id);
    const pending = this.#pending.get(id);
    let event: EventFormat | undefined;
    if (pending) {
      try {
        event = this.catalog.add(pending.system, decodeText(pending.text));
      } catch (e) {
        this.warnings.push(`cannot parse the format of event id ${id} (system '${pending.system}'): ${(e as Error).message}`);
      }
    }
    this.#events.set(id, event);
    return event;
  }

  /** The format of system:name (tep_find_event_by_name()), or undefined. */
  eventByName(system: string, name: string): EventFormat | undefined {
    // A format file starts with its "name:" line: only that prefix is compared.
    const nameLine = Buffer.from(`name: ${name}\n`);
    for (const [id, p] of this.#pending) {
      if (p.system === system && nameLine.equals(p.text.subarray(0, nameLine.length))) return this.event(id);
    }
    return undefined;
  }

  #index(system: string, text: Uint8Array): void {
    let id = scanFormatId(text);
    if (id < 0) {
      const m = FORMAT_ID.exec(decodeText(text));
      if (!m) {
        this.warnings.push(`a format of system '${system}' has no ID line`);
        return;
      }
      id = Number(m[1]);
    }
    if (!this.#pending.has(id)) this.#pending.set(id, { system, text });
  }
}

/**
 * The usual "ID: 123" line within the first lines, read from the bytes: decoding the head of each of
 * ~2,300 formats costs more than this scan. -1 when not found that simply (FORMAT_ID then decides).
 */
function scanFormatId(text: Uint8Array): number {
  const end = Math.min(text.length, 256);
  for (let i = 0; i + 3 < end; i++) {
    if (text[i] !== 73 || text[i + 1] !== 68 || text[i + 2] !== 58 || (i > 0 && text[i - 1] !== 10)) continue; // "ID:" at a line start
    let j = i + 3;
    while (j < end && (text[j] === 32 || text[j] === 9)) j++;
    let id = 0;
    const first = j;
    while (j < end && text[j]! >= 48 && text[j]! <= 57 && j - first < 9) id = id * 10 + text[j++]! - 48;
    return j > first && j < end && (text[j] === 10 || text[j] === 13 || text[j] === 32) ? id : -1;
  }
  return -1;
}

/** The table is built (and a v7 file's kallsyms section read) on the first lookup. */
function lazySymbols(dat: TraceDat): SymbolTable {
  let table: SymbolTable | undefined;
  const get = () => (table ??= sharedSymbols(dat));
  return { lookup: (addr) => get().lookup(addr), lookupParts: (hi, lo) => get().lookupParts!(hi, lo), addressOf: (name) => get().addressOf?.(name) };
}

/**
 * Decoded tables by content: files from one boot of a machine, or guests of one image without KASLR,
 * carry byte-identical kallsyms, and decoding and sorting one costs ~20–60 ms while the JIT is cold.
 * Keyed by length and a 64-bit hash (Bun.hash, chained over 256 KiB pieces), which a v6 file's
 * kallsyms gets piece by piece from the file: a second file with the same kallsyms is never read whole.
 */
const decodedTables = new Map<string, SymbolTable>();
/** FileContexts built by this process: more than one means a merge (see keepNamesOnly()). */
let filesOpened = 0;
const HASH_PIECE = 256 << 10;
/** Where pieces read from a file are hashed (reused: the pieces of megabytes of text). */
let pieceBuffer: Uint8Array | undefined;

function sharedSymbols(dat: TraceDat): SymbolTable {
  // A v7 file decompresses its kallsyms on each read: read once, for the key and the decode.
  const text = dat.kallsymsRange ? undefined : dat.metadata.kallsyms;
  const key = contentKey(dat, text);
  let table = decodedTables.get(key);
  if (!table) {
    decodedTables.set(key, (table = decodeKallsyms(text ?? dat.metadata.kallsyms)));
    if (filesOpened > 1 || inSmallHeap()) keepNamesOnly(table);
  }
  return table;
}

/**
 * With several files open (a merge: every context is built before the first record is read), or a
 * big file (run in the small heap), each table keeps only its names and the text is collected at
 * once: early in a report the heap grows fast before its first collection, and doing both cut a
 * host + 2 guests report's peak from 102-104 MiB to 93-95 MiB, and a 2.5M-event `-e all` file's
 * from 96-100 to 83-92 MiB, at no measurable cost in time. A small file keeps its text:
 * compacting and collecting cost ~15 ms of its 0.12 s report, and its peak is ~65 MiB.
 */
function keepNamesOnly(table: SymbolTable): void {
  table.compact?.();
  Bun.gc(true);
}

function contentKey(dat: TraceDat, text: Uint8Array | undefined): string {
  const range = dat.kallsymsRange;
  const size = range ? range.size : text!.length;
  const read = (at: number, n: number): Uint8Array => {
    if (text) return text.subarray(at, at + n);
    const into = dat.source.readInto ? (pieceBuffer ??= new Uint8Array(HASH_PIECE)).subarray(0, n) : undefined;
    return into ? into.subarray(0, dat.source.readInto!(range!.offset + at, into)) : dat.source.read(range!.offset + at, n);
  };
  let hash: number | bigint = 0;
  for (let at = 0; at < size; at += HASH_PIECE) hash = Bun.hash(read(at, Math.min(HASH_PIECE, size - at)), hash);
  return `${size}:${hash}`;
}

export function buildFileContext(dat: TraceDat, funcRepeatTimeFormat?: string, noPlugin?: (event: EventFormat) => boolean): FileContext {
  return new FileContext(dat, funcRepeatTimeFormat, noPlugin);
}
