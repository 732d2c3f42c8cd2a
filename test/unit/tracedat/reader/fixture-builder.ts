// Builds small synthetic trace.dat files (v6 and v7, any endianness and long size, compressed or not)
// for reader and report tests. Page layout as the kernel's ring buffer writes it; one event format "demo".

import { deflateSync } from "node:zlib";
import { ByteWriter } from "../../../../src/lib/writer.ts";

export interface DemoEvent {
  /** Absolute timestamp in trace-clock units. */
  ts: bigint;
  pid: number;
  val: number;
}

export interface DemoBuffer {
  name: string;
  /** Events per cpu, each cpu's list in time order; one page per cpu unless pagesPerCpu splits them. */
  cpus: DemoEvent[][];
  /** Lost-event marker for the first page of each cpu: undefined none, -1 unknown, n stored count. */
  missed?: (number | undefined)[];
}

export interface DemoFile {
  version: 6 | 7;
  compression?: "none" | "zlib" | "zstd";
  littleEndian?: boolean;
  longSize?: 4 | 8;
  clock?: string;
  cmdlines?: string;
  buffers: DemoBuffer[];
  /** Extra options {id, data} written into the (first) option block. */
  extraOptions?: { id: number; data: Uint8Array }[];
  eventsPerPage?: number;
  /** The demo event's print fmt; default "val=%d", REC->val. */
  printFmt?: string;
  /** Extra event systems (format texts) after "demo_sys". */
  extraSystems?: { name: string; formats: string[] }[];
  /** ftrace event formats (none by default). */
  ftraceFormats?: string[];
  /** /proc/kallsyms text (empty by default). */
  kallsyms?: string;
  /** printk_formats text (empty by default). */
  printk?: string;
}

export const PAGE_SIZE = 4096;
export const DEMO_ID = 300;
export const DEMO_PRINT_FMT = `"val=%d", REC->val`;
export const demoFormat = (printFmt = DEMO_PRINT_FMT) => `name: demo
ID: ${DEMO_ID}
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:int val;\toffset:8;\tsize:4;\tsigned:1;

print fmt: ${printFmt}
`;

const te = new TextEncoder();

function headerPage(longSize: number): string {
  return [
    "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;",
    `\tfield: local_t commit;\toffset:8;\tsize:${longSize};\tsigned:1;`,
    "\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;",
    `\tfield: char data;\toffset:${8 + longSize};\tsize:${PAGE_SIZE - 8 - longSize};\tsigned:0;`,
    "",
  ].join("\n");
}

const HEADER_EVENT = "# compressed entry header\n\ttype_len    :    5 bits\n\ttime_delta  :   27 bits\n\tarray       :   32 bits\n";

/** Encodes pages for one cpu: 12-byte payload events (type_len 3), deltas from the page timestamp. */
export function encodePages(events: DemoEvent[], le: boolean, longSize: number, perPage: number, missed?: number): Uint8Array[] {
  const pages: Uint8Array[] = [];
  for (let i = 0; i < events.length; i += perPage) {
    const chunk = events.slice(i, i + perPage);
    const w = new ByteWriter(le, PAGE_SIZE);
    w.u64(chunk[0]!.ts);
    const commit = chunk.length * 16;
    let flags = 0;
    if (i === 0 && missed !== undefined) flags = missed >= 0 ? (1 << 31) | (1 << 30) : 1 << 31;
    if (longSize === 8) {
      if (le) w.u32((commit | flags) >>> 0).u32(flags ? 0xffffffff : 0);
      else w.u32(flags ? 0xffffffff : 0).u32((commit | flags) >>> 0);
    } else w.u32((commit | flags) >>> 0);
    let prev = chunk[0]!.ts;
    for (const e of chunk) {
      const delta = Number(e.ts - prev);
      prev = e.ts;
      w.u32(le ? ((delta << 5) | 3) >>> 0 : ((3 << 27) | delta) >>> 0);
      w.u16(DEMO_ID).u8(0).u8(0).i32(e.pid).i32(e.val);
    }
    if (i === 0 && missed !== undefined && missed >= 0) {
      if (longSize === 8) w.u64(BigInt(missed));
      else w.u32(missed);
    }
    w.zeros(PAGE_SIZE - w.length);
    pages.push(w.finish());
  }
  return pages;
}

interface Meta {
  headerInfo: Uint8Array;
  ftrace: Uint8Array;
  events: Uint8Array;
  kallsyms: Uint8Array;
  printk: Uint8Array;
  cmdlines: Uint8Array;
}

function metadata(f: DemoFile, le: boolean, longSize: number): Meta {
  const hp = te.encode(headerPage(longSize));
  const he = te.encode(HEADER_EVENT);
  const fmt = te.encode(demoFormat(f.printFmt));
  return {
    headerInfo: new ByteWriter(le).cstring("header_page").u64(hp.length).bytes(hp).cstring("header_event").u64(he.length).bytes(he).finish(),
    ftrace: formatList(new ByteWriter(le), f.ftraceFormats ?? []).finish(),
    events: eventSystems(le, fmt, f.extraSystems ?? []),
    kallsyms: sized32(le, f.kallsyms ?? ""),
    printk: sized32(le, f.printk ?? ""),
    cmdlines: (() => {
      const c = te.encode(f.cmdlines ?? "42 bash\n7 worker\n");
      return new ByteWriter(le).u64(c.length).bytes(c).finish();
    })(),
  };
}

function formatList(w: ByteWriter, formats: string[]): ByteWriter {
  w.u32(formats.length);
  for (const text of formats) {
    const bytes = te.encode(text);
    w.u64(bytes.length).bytes(bytes);
  }
  return w;
}

function eventSystems(le: boolean, demo: Uint8Array, extra: { name: string; formats: string[] }[]): Uint8Array {
  const w = new ByteWriter(le).u32(1 + extra.length).cstring("demo_sys").u32(1).u64(demo.length).bytes(demo);
  for (const sys of extra) formatList(w.cstring(sys.name), sys.formats);
  return w.finish();
}

function sized32(le: boolean, text: string): Uint8Array {
  const bytes = te.encode(text);
  return new ByteWriter(le).u32(bytes.length).bytes(bytes).finish();
}

function initialHeader(w: ByteWriter, f: DemoFile, longSize: number): void {
  w.bytes(new Uint8Array([0x17, 0x08, 0x44])).text("tracing").cstring(String(f.version));
  w.u8(f.littleEndian === false ? 1 : 0).u8(longSize).u32(PAGE_SIZE);
}

function clockOption(f: DemoFile): Uint8Array {
  return te.encode(`${f.clock ?? "[local] global counter"}\0`);
}

export function buildTraceDat(f: DemoFile): Uint8Array {
  return f.version === 6 ? buildV6(f) : buildV7(f);
}

function cpuPages(f: DemoFile, b: DemoBuffer, le: boolean, longSize: number): Uint8Array[][] {
  return b.cpus.map((events, cpu) => (events.length ? encodePages(events, le, longSize, f.eventsPerPage ?? 100, b.missed?.[cpu]) : []));
}

function buildV6(f: DemoFile): Uint8Array {
  const le = f.littleEndian !== false;
  const longSize = f.longSize ?? 8;
  const m = metadata(f, le, longSize);
  const w = new ByteWriter(le, 1 << 16);
  initialHeader(w, f, longSize);
  w.bytes(m.headerInfo).bytes(m.ftrace).bytes(m.events).bytes(m.kallsyms).bytes(m.printk).bytes(m.cmdlines);
  const ncpus = f.buffers[0]!.cpus.length;
  w.u32(ncpus);
  w.bytes(te.encode("options  \0"));
  const clock = clockOption(f);
  w.u16(4).u32(clock.length).bytes(clock);
  w.u16(8).u32(4).u32(ncpus);
  for (const o of f.extraOptions ?? []) w.u16(o.id).u32(o.data.length).bytes(o.data);
  const patchBuffers = f.buffers.slice(1).map((b) => {
    const name = te.encode(`${b.name}\0`);
    w.u16(3).u32(8 + name.length);
    const patch = w.u64Later();
    w.bytes(name);
    return patch;
  });
  w.u16(0);
  const tables: ((refs: { offset: number; size: number }[]) => void)[] = [];
  const table = () => {
    w.bytes(te.encode("flyrecord\0"));
    const patches = Array.from({ length: ncpus }, () => [w.u64Later(), w.u64Later()] as const);
    tables.push((refs) => refs.forEach((r, i) => (patches[i]![0](r.offset), patches[i]![1](r.size))));
  };
  table();
  const clockText = te.encode(`[${(f.clock ?? "[local]").match(/\[([^\]]*)\]/)?.[1] ?? "local"}]`);
  w.u64(clockText.length).bytes(clockText);
  for (const [bi, b] of f.buffers.entries()) {
    if (bi > 0) {
      patchBuffers[bi - 1]!(w.length);
      table();
    }
    const refs: { offset: number; size: number }[] = [];
    for (const pages of cpuPages(f, b, le, longSize)) {
      w.zeros((PAGE_SIZE - (w.length % PAGE_SIZE)) % PAGE_SIZE);
      refs.push({ offset: pages.length ? w.length : 0, size: pages.length * PAGE_SIZE });
      for (const p of pages) w.bytes(p);
    }
    tables[bi]!(refs);
  }
  return w.finish();
}

function compressor(f: DemoFile): ((b: Uint8Array) => Uint8Array) | undefined {
  if (f.compression === "zlib") return (b) => new Uint8Array(deflateSync(b));
  if (f.compression === "zstd") return (b) => Bun.zstdCompressSync(b);
  return undefined;
}

function buildV7(f: DemoFile): Uint8Array {
  const le = f.littleEndian !== false;
  const longSize = f.longSize ?? 8;
  const m = metadata(f, le, longSize);
  const compress = compressor(f);
  const w = new ByteWriter(le, 1 << 16);
  initialHeader(w, f, longSize);
  const algo = f.compression ?? "none";
  w.cstring(algo).cstring(algo === "none" ? "" : "1.0");
  const firstOptions = w.u64Later();
  const section = (id: number, content: Uint8Array, compressFlag = compress !== undefined): number => {
    const at = w.length;
    w.u16(id).u16(compressFlag ? 1 : 0).i32(-1);
    if (compressFlag && compress) {
      const c = compress(content);
      w.u64(8 + c.length).u32(c.length).u32(content.length).bytes(c);
    } else w.u64(content.length).bytes(content);
    return at;
  };
  const sections: [number, number][] = [
    [16, section(16, m.headerInfo)],
    [17, section(17, m.ftrace)],
    [18, section(18, m.events)],
    [19, section(19, m.kallsyms)],
    [20, section(20, m.printk)],
    [21, section(21, m.cmdlines)],
  ];
  const opts = new ByteWriter(le);
  for (const [id, at] of sections) opts.u16(id).u32(8).u64(at);
  const clock = clockOption(f);
  opts.u16(4).u32(clock.length).bytes(clock);
  opts.u16(8).u32(4).u32(f.buffers[0]!.cpus.length);
  for (const o of f.extraOptions ?? []) opts.u16(o.id).u32(o.data.length).bytes(o.data);
  opts.u16(0).u32(8);
  const optsBytes = opts.finish();
  firstOptions(w.length);
  const doneAt = w.length + 16 + optsBytes.length;
  section(0, concat(optsBytes, new Uint8Array(8)), false);
  const clockName = (f.clock ?? "[local]").match(/\[([^\]]*)\]/)?.[1] ?? "local";
  const bufferOptions = new ByteWriter(le);
  for (const b of f.buffers) {
    const secAt = w.length;
    w.u16(3).u16(compress ? 1 : 0).i32(-1);
    const size = w.u64Later();
    const start = w.length;
    const refs: { cpu: number; offset: number; size: number }[] = [];
    cpuPages(f, b, le, longSize).forEach((pages, cpu) => {
      if (!compress) w.zeros((PAGE_SIZE - (w.length % PAGE_SIZE)) % PAGE_SIZE);
      const offset = w.length;
      if (compress && pages.length) {
        const chunks: Uint8Array[] = [];
        for (let i = 0; i < pages.length; i += 10) chunks.push(concat(...pages.slice(i, i + 10)));
        w.u32(chunks.length);
        let total = 0;
        for (const c of chunks) {
          const z = compress(c);
          w.u32(z.length).u32(c.length).bytes(z);
          total += 8 + z.length;
        }
        refs.push({ cpu, offset, size: total });
      } else {
        for (const p of pages) w.bytes(p);
        refs.push({ cpu, offset, size: pages.length * PAGE_SIZE });
      }
    });
    size(w.length - start);
    const name = te.encode(`${b.name}\0`);
    bufferOptions.u16(3);
    const body = new ByteWriter(le).u64(secAt).bytes(name).cstring(clockName).u32(PAGE_SIZE).u32(refs.length);
    for (const r of refs) body.u32(r.cpu).u64(r.offset).u64(r.size);
    const bb = body.finish();
    bufferOptions.u32(bb.length).bytes(bb);
  }
  bufferOptions.u16(0).u32(8).u64(0);
  const second = w.length;
  section(0, bufferOptions.finish(), false);
  const out = w.finish();
  new DataView(out.buffer).setBigUint64(doneAt, BigInt(second), le);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A simple two-cpu demo: interleaved timestamps, pids 42 and 7, ts in ns. */
export function demoEvents(perCpu: number, base = 1_000_000_000n): DemoEvent[][] {
  return [0, 1].map((cpu) =>
    Array.from({ length: perCpu }, (_, i) => ({ ts: base + BigInt(i * 2000 + cpu * 1000 + 500), pid: cpu === 0 ? 42 : 7, val: i * 10 + cpu })),
  );
}

/** The golden-text demo: two cpus with lost-event markers, and a buffer instance "inst". */
export function demoFile(variant: Omit<DemoFile, "buffers">): DemoFile {
  return {
    ...variant,
    buffers: [
      { name: "", cpus: demoEvents(3), missed: [5, -1] },
      { name: "inst", cpus: demoEvents(2, 1_000_010_000n) },
    ],
  };
}
