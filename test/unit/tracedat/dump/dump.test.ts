// dumpTraceDat() on synthetic files: golden texts checked against `trace-cmd dump` 3.1.6 on the same
// bytes (fixture-builder.ts output), item selection, and damaged files at every cut.

import { describe, expect, test } from "bun:test";
import { VtraceError } from "../../../../src/errors.ts";
import { MemorySink } from "../../../../src/lib/byte-sink.ts";
import { dumpTraceDat } from "../../../../src/tracedat/dump/dump.ts";
import { ALL, CLOCK, FLYRECORD, OPTIONS, SECTIONS, STRINGS, SUMMARY } from "../../../../src/tracedat/dump/items.ts";
import { memorySource } from "../../../../src/tracedat/reader/byte-source.ts";
import { buildTraceDat, demoFile, type DemoFile } from "../reader/fixture-builder.ts";

function dump(bytes: Uint8Array, items: number, validate = false): string {
  const sink = new MemorySink();
  dumpTraceDat(memorySource(bytes), { items, validate, path: "t.dat" }, sink);
  return sink.text();
}

const file = (v: Omit<DemoFile, "buffers">) => buildTraceDat(demoFile(v));

const V6_SUMMARY = `
 Tracing meta data in file t.dat:
\t[Initial format]
\t\t6\t[Version]
\t\t0\t[Little endian]
\t\t8\t[Bytes in a long]
\t\t4096\t[Page size, bytes]
\t[Header page, 205 bytes]
\t[Header event, 101 bytes]
\t[Ftrace format, 0 events]
\t[Events format, 1 systems]
\t[Kallsyms, 0 bytes]
\t[Trace printk, 0 bytes]
\t[Saved command lines, 17 bytes]
\t2 [CPUs with tracing data]
\t[3 options]
\t[Flyrecord tracing data]
\t[Tracing clock]
\t\t[local]
`;

const V7_NONE_BE = `
 Tracing meta data in file t.dat:
\t[Initial format]
\t\t7\t[Version]
\t\t1\t[Big endian]
\t\t4\t[Bytes in a long]
\t\t4096\t[Page size, bytes]
\t\tnone\t[Compression algorithm]
\t\t\t[Compression version]
\t[Section 16 @ 32              \t"Unknown", flags 0x0, 347 bytes]
\t[Section 17 @ 395             \t"Unknown", flags 0x0, 4 bytes]
\t[Section 18 @ 415             \t"Unknown", flags 0x0, 376 bytes]
\t[Section 19 @ 807             \t"Unknown", flags 0x0, 4 bytes]
\t[Section 20 @ 827             \t"Unknown", flags 0x0, 4 bytes]
\t[Section 21 @ 847             \t"Unknown", flags 0x0, 25 bytes]
\t[Section  0 @ 888             \t"Unknown", flags 0x0, 137 bytes]
\t[Section  3 @ 1041            \t"Unknown", flags 0x0, 11231 bytes]
\t[Section  3 @ 12288           \t"Unknown", flags 0x0, 12272 bytes]
\t[Section  0 @ 24576           \t"Unknown", flags 0x0, 156 bytes]
\t[Section 3 @ 1041: "Unknown", flags 0x0, 11231 bytes]
\t\t[Option BUFFER, 63 bytes]
1041 [offset]
"" [name]
"local" [clock]
4096 [Page size, bytes]
2 [CPUs]:
   0 4096\t4096\t[id, data offset and size]
   1 8192\t4096\t[id, data offset and size]
\t[buffer "", "local" clock, 4096 page size, 2 cpus, 8192 bytes flyrecord data]
\t[Section 3 @ 12288: "Unknown", flags 0x0, 12272 bytes]
\t\t[Option BUFFER, 67 bytes]
12288 [offset]
"inst" [name]
"local" [clock]
4096 [Page size, bytes]
2 [CPUs]:
   0 16384\t4096\t[id, data offset and size]
   1 20480\t4096\t[id, data offset and size]
\t[buffer "inst", "local" clock, 4096 page size, 2 cpus, 8192 bytes flyrecord data]
\t[12 options]
\t[Saved command lines, 17 bytes]
\t[Trace printk, 0 bytes]
\t[Kallsyms, 0 bytes]
\t[Events format, 1 systems]
\t[Ftrace format, 0 events]
\t[Header page, 205 bytes]
\t[Header event, 101 bytes]
\t[10 sections]
`;

describe("dumpTraceDat()", () => {
  test("dumpTraceDat() prints the v6 summary as trace-cmd does", () => {
    expect(dump(file({ version: 6 }), SUMMARY)).toBe(V6_SUMMARY);
  });

  test("dumpTraceDat() walks a big-endian v7 file: sections, buffer options, metadata sections last-named first", () => {
    expect(dump(file({ version: 7, compression: "none", littleEndian: false, longSize: 4 }), SUMMARY | SECTIONS | FLYRECORD)).toBe(V7_NONE_BE);
  });

  test("dumpTraceDat() shows the v6 per-CPU table, zero offsets as blanks ('%10.lld')", () => {
    const text = dump(file({ version: 6 }), FLYRECORD);
    expect(text).toBe(
      '\t\t[Option BUFFER, 13 bytes]\n12288 [offset]\n"inst" [name]\n\t[Flyrecord tracing data]\n' +
        "\t       4096       4096\t[offset, size of cpu 0]\n\t       8192       4096\t[offset, size of cpu 1]\n",
    );
  });

  test.each(["zstd", "zlib"] as const)("dumpTraceDat() decompresses %s sections like uncompressed ones", (compression) => {
    const plain = dump(file({ version: 7, compression: "none" }), ALL);
    const packed = dump(file({ version: 7, compression }), ALL);
    // Section offsets and sizes differ; everything printed from inside the sections does not.
    const body = (t: string) => t.slice(t.indexOf("\t[Saved command lines")).replace(/^\t\[Section .*\n/gm, "");
    expect(packed).toContain(`\t\t${compression}\t[Compression algorithm]\n`);
    expect(body(packed)).toBe(body(plain));
    expect(body(plain)).toContain("42 bash\n7 worker\n");
  });

  test("dumpTraceDat() with -v alone prints only the validity line", () => {
    expect(dump(file({ version: 7, compression: "zstd" }), 0, true)).toBe("File t.dat is a valid trace-cmd file\n");
  });

  test("dumpTraceDat() --clock prints the TRACECLOCK text and the v6 flyrecord clock", () => {
    expect(dump(file({ version: 6 }), CLOCK)).toBe("[local] global counter\n\t[Tracing clock]\n\t\t[local]\n");
  });

  test("dumpTraceDat() names sections from an appended STRINGS section and counts it", () => {
    const base = file({ version: 7, compression: "none" });
    const strings = new TextEncoder().encode("options\0headers\0");
    const section = new Uint8Array(16 + strings.length);
    const dv = new DataView(section.buffer);
    dv.setUint16(0, 15, true);
    dv.setInt32(4, 0, true);
    dv.setBigUint64(8, BigInt(strings.length), true);
    section.set(strings, 16);
    const text = dump(Uint8Array.from([...base, ...section]), STRINGS | SECTIONS);
    expect(text).toStartWith('\t[String @ offset]\n\t\t"options" @ 0\n\t\t"headers" @ 8\n\t[Section 16 @ 32              \t"Unknown", flags 0x0, 347 bytes]\n');
    expect(text).toContain(`\t[Section 15 @ ${base.length}           \t"options", flags 0x0, 16 bytes]\n`);
    expect(text).toEndWith("\t[11 sections]\n");
  });

  // trace-cmd reads no event data: a cut inside it goes unnoticed. --sections is left out, as a
  // cut file has fewer sections to list before the options; the last line may differ, as a number
  // option cut short shows a value (0 here, stack garbage in trace-cmd) before the next read fails.
  test.each([6, 7] as const)("dumpTraceDat() at every cut of a v%i file: a VtraceError naming the offset, the output a prefix of the whole", (version) => {
    const bytes = file({ version, compression: "zstd" });
    const items = ALL & ~SECTIONS;
    const whole = dump(bytes, items);
    expect(whole.length).toBeGreaterThan(1000);
    const step = version === 6 ? 61 : 7;
    for (let cut = 0; cut < bytes.length; cut += step) {
      const sink = new MemorySink();
      let error: unknown;
      try {
        dumpTraceDat(memorySource(bytes.subarray(0, cut)), { items, validate: false, path: "t.dat" }, sink);
      } catch (e) {
        error = e;
      }
      const failed = error instanceof VtraceError && / at offset \d+/.test(error.message) && whole.startsWith(sink.text().replace(/[^\n]*\n?$/, ""));
      const ok = error === undefined ? sink.text() === whole : failed;
      expect({ cut, ok, error: ok ? undefined : String(error) }).toEqual({ cut, ok: true, error: undefined });
    }
  });

  test("dumpTraceDat() fails on a bad magic before printing more than the headline", () => {
    const bytes = file({ version: 6 });
    bytes[1] = 0;
    expect(() => dump(bytes, SUMMARY)).toThrow("wrong file magic at offset 3");
  });

  test("dumpTraceDat() refuses an unknown compression algorithm", () => {
    const bytes = file({ version: 7, compression: "zstd" });
    const at = Buffer.from(bytes).indexOf("zstd\0");
    bytes.set(new TextEncoder().encode("lz4\0\0"), at);
    expect(() => dump(bytes, OPTIONS)).toThrow("cannot uncompress the file: unknown algorithm 'lz4'");
  });
});
