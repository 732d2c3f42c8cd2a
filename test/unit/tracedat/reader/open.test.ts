// openTraceDat() on synthetic files: every version, compression, byte order and long size decodes to
// the same metadata and buffers; truncation at every cut gives only TruncatedError/FormatError.

import { describe, expect, test } from "bun:test";
import { FormatError, TruncatedError, VtraceError } from "../../../../src/errors.ts";
import { memorySource } from "../../../../src/tracedat/reader/byte-source.ts";
import { CpuRecords } from "../../../../src/tracedat/reader/cpu-records.ts";
import { openPageStream } from "../../../../src/tracedat/reader/cpu-pages.ts";
import { openTraceDat } from "../../../../src/tracedat/reader/open.ts";
import type { TraceDat } from "../../../../src/tracedat/reader/trace-dat.ts";
import { buildTraceDat, demoEvents, type DemoFile } from "./fixture-builder.ts";

const VARIANTS: [string, Omit<DemoFile, "buffers">][] = [
  ["v6", { version: 6 }],
  ["v7 none", { version: 7, compression: "none" }],
  ["v7 zlib", { version: 7, compression: "zlib" }],
  ["v7 zstd", { version: 7, compression: "zstd" }],
  ["v6 big-endian", { version: 6, littleEndian: false }],
  ["v7 zstd big-endian", { version: 7, compression: "zstd", littleEndian: false }],
  ["v6 4-byte long", { version: 6, longSize: 4 }],
  ["v7 none 4-byte long big-endian", { version: 7, compression: "none", longSize: 4, littleEndian: false }],
];

function readAll(dat: TraceDat): { buffer: string; cpu: number; ts: bigint; pid: number }[] {
  const out: { buffer: string; cpu: number; ts: bigint; pid: number }[] = [];
  for (const b of dat.buffers) {
    for (const ref of b.cpus) {
      const pages = openPageStream({
        source: dat.source,
        littleEndian: dat.params.littleEndian,
        pageSize: b.pageSize,
        offset: ref.offset,
        size: ref.size,
        decompress: b.compressed ? dat.decompress : undefined,
      });
      const r = new CpuRecords(ref.cpu, pages, { littleEndian: dat.params.littleEndian, longSize: dat.kernelLongSize }, "t");
      while (r.next()) {
        const p = r.payload;
        const pid = new DataView(p.buffer, p.byteOffset, p.byteLength).getInt32(4, dat.params.littleEndian);
        out.push({ buffer: b.name, cpu: ref.cpu, ts: r.tsRaw, pid });
      }
    }
  }
  return out;
}

describe.each(VARIANTS)("openTraceDat() %s", (_name, variant) => {
  const file: DemoFile = { ...variant, buffers: [{ name: "", cpus: demoEvents(150) }, { name: "inst", cpus: demoEvents(3, 5_000_000_000n) }] };
  const bytes = buildTraceDat(file);

  test("decodes header, metadata, options and buffers", () => {
    const dat = openTraceDat(memorySource(bytes));
    expect({
      params: dat.params,
      kernelLongSize: dat.kernelLongSize,
      systems: dat.metadata.eventSystems.map((s) => s.name),
      cmdlines: new TextDecoder().decode(dat.metadata.cmdlines),
      cpuCount: dat.cpuCount,
      buffers: dat.buffers.map((b) => [b.name, b.cpus.length]),
      clock: dat.clockText?.includes("[local]"),
    }).toEqual({
      params: { version: variant.version, littleEndian: variant.littleEndian !== false, longSize: variant.longSize ?? 8, pageSize: 4096 },
      kernelLongSize: variant.longSize ?? 8,
      systems: ["demo_sys"],
      cmdlines: "42 bash\n7 worker\n",
      cpuCount: 2,
      buffers: [
        ["", 2],
        ["inst", 2],
      ],
      clock: true,
    });
  });

  test("reads every event back with its timestamp and pid", () => {
    const events = readAll(openTraceDat(memorySource(bytes)));
    const expected = file.buffers.flatMap((b) => b.cpus.flatMap((evs, cpu) => evs.map((e) => ({ buffer: b.name, cpu, ts: e.ts, pid: e.pid }))));
    expect(events).toEqual(expected);
  });

  test("truncation at every cut gives TruncatedError or FormatError, or a shorter read", () => {
    const step = Math.max(1, Math.floor(bytes.length / 1500));
    for (let cut = 0; cut < bytes.length; cut += step) {
      try {
        readAll(openTraceDat(memorySource(bytes.subarray(0, cut))));
      } catch (e) {
        if (!(e instanceof TruncatedError || e instanceof FormatError)) throw new Error(`cut ${cut}: ${String(e)}`);
      }
    }
  });
});

test("openTraceDat() refuses a bad magic and an unknown version with FormatError naming the offset", () => {
  const good = buildTraceDat({ version: 6, buffers: [{ name: "", cpus: demoEvents(1) }] });
  const badMagic = good.slice();
  badMagic[1] = 0;
  expect(() => openTraceDat(memorySource(badMagic))).toThrow(/bad magic at offset 0/);
  const v8 = good.slice();
  v8[10] = "8".charCodeAt(0);
  expect(() => openTraceDat(memorySource(v8))).toThrow(/unsupported trace.dat version '8' at offset 10/);
  expect(() => openTraceDat(memorySource(new Uint8Array(0)))).toThrow(TruncatedError);
});

test("openTraceDat() warns about unknown options and skips them", () => {
  const bytes = buildTraceDat({
    version: 7,
    compression: "none",
    buffers: [{ name: "", cpus: demoEvents(1) }],
    extraOptions: [{ id: 99, data: new Uint8Array([1, 2, 3]) }],
  });
  const dat = openTraceDat(memorySource(bytes));
  expect(dat.options.warnings).toEqual([expect.stringMatching(/^unknown option 99 at offset \d+: skipped$/)]);
});

test("a corrupt compressed chunk is a FormatError naming its offset", () => {
  const bytes = buildTraceDat({ version: 7, compression: "zstd", buffers: [{ name: "", cpus: demoEvents(5) }] });
  const dat = openTraceDat(memorySource(bytes));
  const ref = dat.buffers[0]!.cpus[0]!;
  const broken = bytes.slice();
  broken.fill(0xff, ref.offset + 12, ref.offset + 40);
  let error: unknown;
  try {
    readAll(openTraceDat(memorySource(broken)));
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(VtraceError);
  expect(String((error as Error).message)).toMatch(/offset \d+/);
});

test("reader errors carry the stage they happened in", () => {
  const bytes = buildTraceDat({ version: 6, buffers: [{ name: "", cpus: demoEvents(200) }], eventsPerPage: 50 });
  const stageOf = (cut: number): unknown => {
    try {
      readAll(openTraceDat(memorySource(bytes.subarray(0, cut))));
    } catch (e) {
      return (e as VtraceError).context.stage;
    }
    return "none";
  };
  expect([stageOf(5), stageOf(200), stageOf(bytes.length - 100)]).toEqual(["header", "metadata", "data"]);
});
