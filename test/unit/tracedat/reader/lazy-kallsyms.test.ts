// A v7 file's kallsyms section is checked at open but decompressed on first use: a report that
// prints no kernel address never pays for it, and a damaged one still fails cleanly when needed.

import { describe, expect, test } from "bun:test";
import { FormatError } from "../../../../src/errors.ts";
import { TRACECMD_OPTION_KALLSYMS } from "../../../../src/tracedat/model.ts";
import { memorySource } from "../../../../src/tracedat/reader/byte-source.ts";
import { openTraceDat } from "../../../../src/tracedat/reader/open.ts";
import { buildTraceDat, demoEvents } from "./fixture-builder.ts";

const file = () => buildTraceDat({ version: 7, compression: "zstd", buffers: [{ name: "", cpus: demoEvents(5) }] });
const kallsymsAt = (bytes: Uint8Array) => openTraceDat(memorySource(bytes)).options.sections.get(TRACECMD_OPTION_KALLSYMS)!;

describe("v7 kallsyms on first use", () => {
  test("damaged compressed content: the file opens, the first use fails with the section named", () => {
    const bytes = file();
    const at = kallsymsAt(bytes);
    bytes.fill(0xee, at + 16 + 8, at + 16 + 12); // the zstd frame's magic
    const dat = openTraceDat(memorySource(bytes));
    expect(dat.buffers[0]!.cpus.length).toBeGreaterThan(0);
    expect(() => dat.metadata.kallsyms).toThrow(FormatError);
    expect(() => dat.metadata.kallsyms).toThrow(`kallsyms section at offset ${at}`);
  });

  test("a section running past the end of the file fails at open", () => {
    const bytes = file();
    const at = kallsymsAt(bytes);
    new DataView(bytes.buffer).setBigUint64(at + 8, BigInt(bytes.length), true);
    expect(() => openTraceDat(memorySource(bytes))).toThrow(/kallsyms section at offset \d+: .*past the end of the file/);
  });

  test("an intact section reads the same bytes on every use (decompressed each time, not kept)", () => {
    const dat = openTraceDat(memorySource(file()));
    expect(dat.metadata.kallsyms).toEqual(dat.metadata.kallsyms);
    expect(dat.metadata.kallsyms).toBeInstanceOf(Uint8Array);
  });
});
