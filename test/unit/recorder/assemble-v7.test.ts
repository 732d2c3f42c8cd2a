// assembleTraceDatV7(): per-CPU page files in, a v7 file out that the reader opens to the same pages,
// laid out byte for byte as trace-cmd 3.1.6 writes it (header, sections, chunks, BUFFER option, STRINGS).

import { describe, expect, test } from "bun:test";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { assembleTraceDatV7 } from "../../../src/recorder/assemble.ts";
import { COMPRESSION_NAMES, compressorFor, type CompressionName } from "../../../src/tracedat/compressors.ts";
import { TRACECMD_OPTION_BUFFER, TRACECMD_OPTION_CPUCOUNT, TRACECMD_OPTION_TRACECLOCK } from "../../../src/tracedat/model.ts";
import { textOption, u32Option } from "../../../src/tracedat/options-encode.ts";
import { memorySource } from "../../../src/tracedat/reader/byte-source.ts";
import { openPageStream } from "../../../src/tracedat/reader/cpu-pages.ts";
import { openTraceDat } from "../../../src/tracedat/reader/open.ts";
import { tempDir } from "../../helpers/env.ts";
import { formatFile, PAGE } from "../../helpers/v6-file.ts";

const te = new TextEncoder();
const PARAMS = { version: 7 as const, littleEndian: true, longSize: 8, pageSize: PAGE };
const META = {
  headerPage: te.encode("\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n"),
  headerEvent: te.encode("# compressed entry header\n\ttype_len    :    5 bits\n\ttime_delta  :   27 bits\n\tarray       :   32 bits\n"),
  ftraceFormats: [formatFile("print", 5, "\tfield:char buf[];\toffset:8;\tsize:0;\tsigned:0;", `"%s", REC->buf`)],
  eventSystems: [{ name: "demo", formats: [formatFile("tick", 300, "\tfield:int n;\toffset:8;\tsize:4;\tsigned:1;", `"n=%d", REC->n`)] }],
  kallsyms: te.encode("ffffffff81000000 T _stext\n".repeat(200)),
  printk: new Uint8Array(),
  cmdlines: te.encode("1 init\n"),
};

/** `n` pages of varied, compressible bytes, each starting with its own timestamp. */
function pages(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n * PAGE);
  const dv = new DataView(out.buffer);
  for (let p = 0; p < n; p++) {
    dv.setBigUint64(p * PAGE, BigInt(1_000_000 * (seed + p)), true);
    for (let i = 16; i < PAGE; i++) out[p * PAGE + i] = (i * seed + p) % 7;
  }
  return out;
}

/** CPU 0: 23 pages (3 chunks, the last short); CPU 1: none; CPU 2: 1 page plus a torn tail that must be dropped. */
const CPU_DATA = [pages(23, 1), new Uint8Array(), new Uint8Array([...pages(1, 9), 1, 2, 3])];

function assemble(compression: CompressionName): { bytes: Uint8Array; layout: ReturnType<typeof assembleTraceDatV7> } {
  using dir = tempDir("v7asm");
  const cpuFiles = CPU_DATA.map((data, cpu) => {
    const f = `${dir.path}/cpu${cpu}`;
    writeFileSync(f, data);
    return f;
  });
  const out = `${dir.path}/t.dat`;
  const fd = openSync(out, "w");
  const options = [textOption(TRACECMD_OPTION_TRACECLOCK, "[local] x86-tsc\n"), u32Option(TRACECMD_OPTION_CPUCOUNT, 3, true)];
  let layout;
  try {
    layout = assembleTraceDatV7({ outFd: fd, params: PARAMS, meta: META, options, clock: "local", cpuFiles }, compressorFor(compression));
  } finally {
    closeSync(fd);
  }
  return { bytes: new Uint8Array(readFileSync(out)), layout };
}

function readPages(bytes: Uint8Array): Uint8Array[] {
  const dat = openTraceDat(memorySource(bytes));
  const b = dat.buffers[0]!;
  return [0, 1, 2].map((cpu) => {
    const ref = b.cpus.find((c) => c.cpu === cpu);
    if (!ref || ref.size === 0) return new Uint8Array();
    const stream = openPageStream({ source: dat.source, littleEndian: true, pageSize: PAGE, offset: ref.offset, size: ref.size, decompress: b.compressed ? dat.decompress : undefined });
    const got: number[] = [];
    for (let p = stream.next(); p; p = stream.next()) got.push(...p);
    return new Uint8Array(got);
  });
}

describe.each(COMPRESSION_NAMES.map((c) => [c]))("assembleTraceDatV7() --compression %s", (compression) => {
  const { bytes, layout } = assemble(compression);
  const dv = new DataView(bytes.buffer);
  const algo = compression === "any" ? "zstd" : compression;

  test("the reader opens it to the same whole pages, metadata and clock", () => {
    expect(readPages(bytes)).toEqual([CPU_DATA[0]!, new Uint8Array(), CPU_DATA[2]!.subarray(0, PAGE)]);
    const dat = openTraceDat(memorySource(bytes));
    expect(dat.params.version).toBe(7);
    expect(dat.compression?.name).toBe(algo);
    expect(dat.metadata.kallsyms).toEqual(META.kallsyms);
    expect(dat.metadata.eventSystems[0]!.name).toBe("demo");
    expect(dat.buffers[0]!.clock).toBe("local");
  });

  test("header: version 7, compression name and version, then the first OPTIONS section's offset", () => {
    expect(new TextDecoder().decode(bytes.subarray(10, 12))).toBe("7\0");
    const [name, version] = new TextDecoder().decode(bytes.subarray(18, 40)).split("\0");
    expect([name, version]).toEqual([algo, VERSIONS[algo]]);
    const first = sectionsOf(bytes);
    expect(Number(dv.getBigUint64(first[0]!.at - 8, true))).toBe(first.find((x) => x.id === 0)!.at);
    expect(first[0]).toMatchObject({ id: 16, compressed: algo !== "none" });
  });

  test("sections form a gapless chain to the end: metadata, OPTIONS, BUFFER, OPTIONS, STRINGS", () => {
    const chain = sectionsOf(bytes);
    expect(chain.map((x) => x.id)).toEqual([16, 17, 18, 19, 20, 21, 0, 3, 0, 15]);
    const last = chain.at(-1)!;
    expect(last.at + 16 + last.size).toBe(bytes.length);
    // The first OPTIONS section's DONE points at the second one.
    const [o1, o2] = chain.filter((x) => x.id === 0);
    expect(Number(dv.getBigUint64(o1!.at + 16 + o1!.size - 8, true))).toBe(o2!.at);
    expect(chain.filter((x) => x.id >= 16).every((x) => x.compressed === (algo !== "none"))).toBe(true);
  });

  test("CPU data: page-aligned, a CPU without data left out, sizes as trace-cmd states them", () => {
    const option = bufferOptionOf(bytes);
    expect(option).toMatchObject({ sectionAt: sectionsOf(bytes).find((x) => x.id === 3)!.at, name: "", clock: "local", pageSize: PAGE });
    expect(option.cpus.map((c) => c.cpu)).toEqual([0, 2]);
    for (const c of option.cpus) expect(c.offset % PAGE).toBe(0);
    expect(layout.filter((c) => c.size > 0)).toEqual(option.cpus);
    if (algo === "none") {
      expect(option.cpus.map((c) => c.size)).toEqual([23 * PAGE, PAGE]);
      return;
    }
    // u32 chunk count, then {u32 compressed size, u32 size, data}: 10 + 10 + 3 pages; the stated size leaves the count out.
    const c0 = option.cpus[0]!;
    expect(dv.getUint32(c0.offset, true)).toBe(3);
    let at = c0.offset + 4;
    const sizes: number[] = [];
    for (let k = 0; k < 3; k++) {
      sizes.push(dv.getUint32(at + 4, true));
      at += 8 + dv.getUint32(at, true);
    }
    expect(sizes).toEqual([10 * PAGE, 10 * PAGE, 3 * PAGE]);
    expect(c0.size).toBe(at - c0.offset - 4);
  });

  test("STRINGS names every section; each header's string id points at its description", () => {
    const chain = sectionsOf(bytes);
    const strings = chain.at(-1)!;
    const body = strings.compressed
      ? openTraceDat(memorySource(bytes)).decompress!(bytes.subarray(strings.at + 24, strings.at + 16 + strings.size), dv.getUint32(strings.at + 20, true))
      : bytes.subarray(strings.at + 16, strings.at + 16 + strings.size);
    const text = new TextDecoder().decode(body);
    const descriptions = chain.map((x) => text.slice(x.stringId, text.indexOf("\0", x.stringId)));
    expect(descriptions).toEqual(["headers", "ftrace events", "events format", "kallsyms", "printk", "command lines", "options", "buffer flyrecord ", "options", "strings"]);
  });
});

const VERSIONS: Record<string, string> = { none: "", zstd: "1.5.7", zlib: "1.3.1" };

interface Section {
  id: number;
  at: number;
  size: number;
  compressed: boolean;
  stringId: number;
}

/** Every section, walked as trace-cmd walks them: from right after the header, by header + size. */
function sectionsOf(bytes: Uint8Array): Section[] {
  const dv = new DataView(bytes.buffer);
  const name = new TextDecoder().decode(bytes.subarray(18, bytes.indexOf(0, 18)));
  let at = 18 + name.length + 1 + VERSIONS[name]!.length + 1 + 8;
  const out: Section[] = [];
  while (at < bytes.length) {
    const size = Number(dv.getBigUint64(at + 8, true));
    out.push({ id: dv.getUint16(at, true), at, size, compressed: (dv.getUint16(at + 2, true) & 1) === 1, stringId: dv.getInt32(at + 4, true) });
    at += 16 + size;
  }
  return out;
}

/** The BUFFER option, parsed from the OPTIONS section after the data. */
function bufferOptionOf(bytes: Uint8Array) {
  const dv = new DataView(bytes.buffer);
  const tail = sectionsOf(bytes).filter((x) => x.id === 0)[1]!;
  let at = tail.at + 16;
  while (dv.getUint16(at, true) !== TRACECMD_OPTION_BUFFER) at += 6 + dv.getUint32(at + 2, true);
  at += 6;
  const sectionAt = Number(dv.getBigUint64(at, true));
  const cstr = (from: number) => new TextDecoder().decode(bytes.subarray(from, bytes.indexOf(0, from)));
  const name = cstr(at + 8);
  const clock = cstr(at + 8 + name.length + 1);
  at += 8 + name.length + 1 + clock.length + 1;
  const pageSize = dv.getUint32(at, true);
  const count = dv.getUint32(at + 4, true);
  const cpus = Array.from({ length: count }, (_, i) => {
    const e = at + 8 + i * 20;
    return { cpu: dv.getUint32(e, true), offset: Number(dv.getBigUint64(e + 4, true)), size: Number(dv.getBigUint64(e + 12, true)) };
  });
  return { sectionAt, name, clock, pageSize, cpus };
}
