// Throwaway v6 trace.dat reader for the events oracle: pulls format texts, kallsyms, printk formats
// and per-CPU event payloads out of an uncompressed v6 file (trace-cmd convert --file-version 6).
// Source of truth: trace-cmd 3.1.6.2 (v6 body layout). Test-only; the real reader lives in src/tracedat.

import { Cursor } from "../../../src/lib/cursor.ts";
import { decodePage, type PageEvent } from "../../../src/ringbuf/page.ts";

export interface CorpusFormat {
  system: string;
  text: string;
}

export interface CorpusEvent {
  cpu: number;
  ts: bigint;
  payload: Uint8Array;
  /** Up to 64 bytes that follow the record in its page (libtraceevent may read them). */
  after: Uint8Array;
}

export interface Corpus {
  littleEndian: boolean;
  longSize: number;
  formats: CorpusFormat[];
  kallsyms: string;
  printk: string;
  /** Events per CPU, in page order. */
  events: CorpusEvent[][];
}

const dec = new TextDecoder();

function cstr(c: Cursor): string {
  const start = c.pos;
  while (c.bytes[c.pos] !== 0) c.pos++;
  const s = dec.decode(c.bytes.subarray(start, c.pos));
  c.pos++;
  return s;
}

function skip(c: Cursor, n: number): void {
  c.pos += n;
}

function readFormats(c: Cursor): CorpusFormat[] {
  const out: CorpusFormat[] = [];
  const nFtrace = c.u32("ftrace count");
  for (let i = 0; i < nFtrace; i++) out.push({ system: "ftrace", text: dec.decode(c.bytesN(c.u64n("size"), "fmt")) });
  const nSys = c.u32("systems");
  for (let s = 0; s < nSys; s++) {
    const system = cstr(c);
    const n = c.u32("events");
    for (let i = 0; i < n; i++) out.push({ system, text: dec.decode(c.bytesN(c.u64n("size"), "fmt")) });
  }
  return out;
}

function readCpuTable(c: Cursor, cpus: number, hasClock: boolean): { offset: number; size: number }[] {
  const tag = cstr(c);
  if (tag !== "flyrecord") throw new Error(`expected flyrecord, got ${tag}`);
  const table = [];
  for (let i = 0; i < cpus; i++) table.push({ offset: c.u64n("off"), size: c.u64n("size") });
  if (hasClock) skip(c, c.u64n("clock"));
  return table;
}

/** Decodes an uncompressed v6 file; uses the last BUFFER instance if any, else the top buffer. */
export function readCorpus(file: Uint8Array): Corpus {
  const littleEndian = file[12] === 0;
  const longSize = file[13]!;
  const c = new Cursor(file, littleEndian);
  c.pos = 14;
  const pageSize = c.u32("page size");
  cstr(c); // header_page
  skip(c, c.u64n("hp"));
  cstr(c); // header_event
  skip(c, c.u64n("he"));
  const formats = readFormats(c);
  const kallsyms = dec.decode(c.bytesN(c.u32("ksz"), "kallsyms"));
  const printk = dec.decode(c.bytesN(c.u32("psz"), "printk"));
  skip(c, c.u64n("cmdlines"));
  const cpus = c.u32("cpus");
  let bufferOffset = -1;
  let hasClock = false;
  if (dec.decode(file.subarray(c.pos, c.pos + 7)) === "options") {
    c.pos += 10;
    for (;;) {
      const id = c.u16("opt");
      if (id === 0) break;
      const data = c.bytesN(c.u32("osz"), "opt data");
      if (id === 3) bufferOffset = Number(new DataView(data.buffer, data.byteOffset).getBigUint64(0, littleEndian));
      if (id === 4) hasClock = true;
    }
  }
  if (bufferOffset >= 0) c.pos = bufferOffset;
  const table = readCpuTable(c, cpus, hasClock);
  const layout = { littleEndian, longSize: 8 };
  const events = table.map(({ offset, size }, cpu) => {
    const list: CorpusEvent[] = [];
    for (let p = offset; p < offset + size; p += pageSize) {
      const page = clampCommit(file.subarray(p, p + pageSize), littleEndian);
      let evs: PageEvent[];
      try {
        evs = [...decodePage(page, layout)];
      } catch (e) {
        console.warn(`cpu${cpu} page at ${p}: ${(e as Error).message}`);
        continue;
      }
      for (const ev of evs) list.push({ cpu, ts: ev.ts, payload: page.subarray(ev.offset, ev.offset + ev.size), after: page.subarray(ev.offset + ev.size, ev.offset + ev.size + 64) });
    }
    return list;
  });
  return { littleEndian, longSize, formats, kallsyms, printk, events };
}

/** Merges per-CPU lists by timestamp (ties: lower CPU first), as trace-cmd report orders records. */
export function mergeByTime(perCpu: CorpusEvent[][]): CorpusEvent[] {
  const out: CorpusEvent[] = [];
  const idx = perCpu.map(() => 0);
  for (;;) {
    let best = -1;
    for (let c = 0; c < perCpu.length; c++) {
      const e = perCpu[c]![idx[c]!];
      if (e && (best < 0 || e.ts < perCpu[best]![idx[best]!]!.ts)) best = c;
    }
    if (best < 0) return out;
    out.push(perCpu[best]![idx[best]!++]!);
  }
}

export interface ReportLine {
  cpu: number;
  name: string;
  info: string;
}

const LINE_RE = /^(?:\S+: )?.*?-\d+ +\[(\d{3})\] +\d+\.\d+: ([^:\s]+):/;

/** Splits `trace-cmd report` output into records (continuation lines join the previous one). */
export function parseReport(text: string): ReportLine[] {
  const out: ReportLine[] = [];
  for (const line of text.split("\n")) {
    const m = LINE_RE.exec(line);
    if (!m) {
      const last = out.at(-1);
      if (last && line !== "" && !/^(\S+: )?CPU:\d+ \[/.test(line) && !line.startsWith("cpus=")) last.info += `\n${line}`;
      continue;
    }
    const name = m[2]!;
    const pad = 1 + Math.max(0, 20 - name.length);
    out.push({ cpu: Number(m[1]), name, info: line.slice(m[0].length + pad) });
  }
  return out;
}

/**
 * Works around src/ringbuf/page.ts reading an 8-byte commit through a JS number: when the upper
 * 32 bits are set (seen on real pages) the low bits round away. kbuffer only uses the low word.
 */
function clampCommit(page: Uint8Array, le: boolean): Uint8Array {
  const dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
  if (dv.getUint32(le ? 12 : 8, le) === 0) return page;
  const copy = page.slice();
  new DataView(copy.buffer).setUint32(le ? 12 : 8, 0, le);
  return copy;
}
