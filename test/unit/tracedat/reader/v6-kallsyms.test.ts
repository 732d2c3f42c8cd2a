// A v6 file's kallsyms is skipped at open (its size checked) and read from the file when asked for,
// so a report holds no copy of it unless it decodes one; the bytes are those of the file.

import { describe, expect, test } from "bun:test";
import { TruncatedError } from "../../../../src/errors.ts";
import { memorySource } from "../../../../src/tracedat/reader/byte-source.ts";
import { openTraceDat } from "../../../../src/tracedat/reader/open.ts";
import { buildTraceDat, demoEvents } from "./fixture-builder.ts";

const KALLSYMS = "ffffffff81000000 T _stext\nffffffff81000100 t helper\n";
const file = () => buildTraceDat({ version: 6, kallsyms: KALLSYMS, printk: '0xffffffff82000000 : "hello"\n', buffers: [{ name: "", cpus: demoEvents(5) }] });
const at = (bytes: Uint8Array) => Buffer.from(bytes).indexOf(KALLSYMS);

describe("v6 kallsyms on use", () => {
  test("reads the file's bytes, the same on every use, and the fields after it are intact", () => {
    const dat = openTraceDat(memorySource(file()));
    expect(new TextDecoder().decode(dat.metadata.kallsyms)).toBe(KALLSYMS);
    expect(dat.metadata.kallsyms).toEqual(dat.metadata.kallsyms);
    expect(new TextDecoder().decode(dat.metadata.printk)).toContain("hello");
    expect(Object.keys(dat.metadata)).toContain("kallsyms");
  });

  test("a kallsyms size past the end of the file fails at open, naming it", () => {
    const bytes = file();
    const sizeAt = at(bytes) - 4;
    new DataView(bytes.buffer).setUint32(sizeAt, bytes.length, true);
    expect(() => openTraceDat(memorySource(bytes))).toThrow(TruncatedError);
    expect(() => openTraceDat(memorySource(bytes))).toThrow(`cannot read kallsyms at offset ${sizeAt + 4}`);
  });

  test("a file cut after open fails on use with the offset", () => {
    const bytes = file();
    const k = at(bytes);
    const whole = memorySource(bytes);
    // Only the read of kallsyms itself comes back short, as when the file was cut after open.
    const dat = openTraceDat({ ...whole, read: (o: number, n: number) => (o === k ? bytes.subarray(o, o + 3) : whole.read(o, n)) });
    expect(() => dat.metadata.kallsyms).toThrow(`cannot read kallsyms at offset ${k}`);
  });
});
