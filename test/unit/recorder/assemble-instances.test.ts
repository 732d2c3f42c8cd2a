// assembleTraceDat() / assembleTraceDatV7() with buffer instances (what `convert` writes): the reader
// finds every buffer with its name, clock and pages, and the v6 BUFFER options point at each
// instance's own "flyrecord" table, which follows the data before it.

import { describe, expect, test } from "bun:test";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { assembleTraceDat, assembleTraceDatV7 } from "../../../src/recorder/assemble.ts";
import { compressorFor } from "../../../src/tracedat/compressors.ts";
import { TRACECMD_OPTION_CPUCOUNT, TRACECMD_OPTION_TRACECLOCK } from "../../../src/tracedat/model.ts";
import { textOption, u32Option } from "../../../src/tracedat/options-encode.ts";
import { memorySource } from "../../../src/tracedat/reader/byte-source.ts";
import { openPageStream } from "../../../src/tracedat/reader/cpu-pages.ts";
import { openTraceDat } from "../../../src/tracedat/reader/open.ts";
import type { TraceDat } from "../../../src/tracedat/reader/trace-dat.ts";
import { tempDir } from "../../helpers/env.ts";
import { formatFile, PAGE } from "../../helpers/v6-file.ts";

const te = new TextEncoder();
const META = {
  headerPage: te.encode("\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n"),
  headerEvent: te.encode("# compressed entry header\n\ttype_len    :    5 bits\n\ttime_delta  :   27 bits\n\tarray       :   32 bits\n"),
  ftraceFormats: [],
  eventSystems: [{ name: "demo", formats: [formatFile("tick", 300, "\tfield:int n;\toffset:8;\tsize:4;\tsigned:1;", `"n=%d", REC->n`)] }],
  kallsyms: new Uint8Array(),
  printk: new Uint8Array(),
  cmdlines: te.encode("1 init\n"),
};

/** `n` pages, each starting with a timestamp that names its buffer, CPU and index. */
function pages(n: number, tag: number): Uint8Array {
  const out = new Uint8Array(n * PAGE);
  const dv = new DataView(out.buffer);
  for (let p = 0; p < n; p++) dv.setBigUint64(p * PAGE, BigInt(tag * 1000 + p), true);
  return out;
}

/** Top: cpu0 3 pages, cpu1 none; "alpha": cpu1 2 pages; "beta": cpu0 1, cpu1 12 (two chunks). */
const BUFFERS = [
  { name: "", clock: "local", data: [pages(3, 1), new Uint8Array()] },
  { name: "alpha", clock: "mono", data: [new Uint8Array(), pages(2, 2)] },
  { name: "beta", clock: "global", data: [pages(1, 3), pages(12, 4)] },
];

function assemble(version: 6 | 7): TraceDat {
  using dir = tempDir("asm-inst");
  const files = BUFFERS.map((b, i) =>
    b.data.map((data, cpu) => {
      const f = `${dir.path}/b${i}-cpu${cpu}`;
      writeFileSync(f, data);
      return f;
    }),
  );
  const out = `${dir.path}/t.dat`;
  const fd = openSync(out, "w");
  const input = {
    outFd: fd,
    params: { version, littleEndian: true, longSize: 8, pageSize: PAGE },
    meta: META,
    options: [textOption(TRACECMD_OPTION_TRACECLOCK, "[local] global\n"), u32Option(TRACECMD_OPTION_CPUCOUNT, 2, true)],
    clock: "local",
    cpuFiles: files[0]!,
    instances: BUFFERS.slice(1).map((b, i) => ({ name: b.name, clock: b.clock, cpuFiles: files[i + 1]! })),
  };
  try {
    if (version === 7) assembleTraceDatV7(input, compressorFor("zstd"));
    else assembleTraceDat(input);
  } finally {
    closeSync(fd);
  }
  return openTraceDat(memorySource(new Uint8Array(readFileSync(out))));
}

function cpuData(dat: TraceDat, buffer: number, cpu: number): Uint8Array {
  const b = dat.buffers[buffer]!;
  const ref = b.cpus.find((c) => c.cpu === cpu && c.size > 0);
  if (!ref) return new Uint8Array();
  const stream = openPageStream({ source: dat.source, littleEndian: true, pageSize: b.pageSize, offset: ref.offset, size: ref.size, decompress: b.compressed ? dat.decompress : undefined });
  const parts: Uint8Array[] = [];
  for (let p = stream.next(); p; p = stream.next()) parts.push(p.slice());
  return Buffer.concat(parts);
}

describe.each([6, 7] as const)("v%d with two instances", (version) => {
  const dat = assemble(version);

  test("every buffer is found by name, with its own pages", () => {
    expect(dat.buffers.map((b) => b.name)).toEqual(["", "alpha", "beta"]);
    BUFFERS.forEach((b, i) => b.data.forEach((data, cpu) => expect(Buffer.compare(cpuData(dat, i, cpu), data)).toBe(0)));
  });

  test(version === 7 ? "each BUFFER option names its clock" : "each BUFFER option points at a 'flyrecord' table after the data before it", () => {
    if (version === 7) {
      expect(dat.buffers.map((b) => b.clock)).toEqual(["local", "mono", "global"]);
      return;
    }
    const offsets = dat.options.buffersV6.map((b) => b.offset);
    expect(dat.options.buffersV6.map((b) => b.name)).toEqual(["alpha", "beta"]);
    const top = dat.buffers[0]!.cpus.find((c) => c.size > 0)!;
    expect(offsets[0]).toBe(top.offset + top.size);
    const alpha = dat.buffers[1]!.cpus.find((c) => c.size > 0)!;
    expect(offsets[1]).toBe(alpha.offset + alpha.size);
    for (const at of offsets) expect(new TextDecoder().decode(dat.source.read(at, 10))).toBe("flyrecord\0");
  });
});
