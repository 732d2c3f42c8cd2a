// Golden vectors (test/vectors/tracedat/README.md): report text byte for byte as trace-cmd 3.1.6 printed it.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeReport } from "../../../../src/report/report.ts";
import { MemorySink } from "../../../../src/lib/byte-sink.ts";
import { memorySource } from "../../../../src/tracedat/reader/byte-source.ts";
import { openTraceDat } from "../../../../src/tracedat/reader/open.ts";

const DIR = join(import.meta.dir, "..", "..", "..", "vectors", "tracedat");

test.each(["demo-v7-zstd", "demo-v6-be-long4"])("writeReport() on vector %s matches trace-cmd's text", (name) => {
  const bytes = new Uint8Array(readFileSync(join(DIR, `${name}.bin`)));
  const sink = new MemorySink();
  const result = writeReport([{ path: `${name}.bin`, dat: openTraceDat(memorySource(bytes)), userOffsetNs: 0n }], { nsec: false, raw: false, rawTs: false }, sink);
  expect({ text: sink.text(), error: result.error }).toEqual({ text: readFileSync(join(DIR, `${name}.txt`), "utf8"), error: undefined });
});
