// Files with the same kallsyms share one decoded table (recognised by length and a hash of the text,
// read in pieces from a v6 file); files whose kallsyms differ, even at the same length, never do.

import { expect, test } from "bun:test";
import { memorySource } from "../../../src/tracedat/reader/byte-source.ts";
import { openTraceDat } from "../../../src/tracedat/reader/open.ts";
import { buildFileContext } from "../../../src/report/catalog.ts";
import { buildTraceDat, demoEvents } from "../tracedat/reader/fixture-builder.ts";
import { formatText } from "../events/_golden.ts";

const FORMAT = formatText("where", 900, [["unsigned long ip", 8, 8]], '"at %pS", (void *)REC->ip');

/** The text the file's catalog prints for an address 0x10 into the first symbol. */
function printedSymbol(kallsyms: string, version: 6 | 7): string {
  const bytes = buildTraceDat({ version, kallsyms, extraSystems: [{ name: "test", formats: [FORMAT] }], buffers: [{ name: "", cpus: demoEvents(1) }] });
  const ctx = buildFileContext(openTraceDat(memorySource(bytes)));
  const payload = Uint8Array.from([0x84, 0x03, 0, 0, 1, 0, 0, 0, 0x10, 0, 0, 0x81, 0xff, 0xff, 0xff, 0xff]);
  return ctx.catalog.formatInfo(ctx.event(900)!, payload);
}

test("equal kallsyms give the same names; a different text of the same length gives its own", () => {
  // Long enough to be hashed in several pieces, and differing only in the first symbol's name.
  const filler = Array.from({ length: 20000 }, (_, i) => `ffffffff9${(i + 1).toString(16).padStart(7, "0")} t filler_${i}`).join("\n");
  const alpha = `ffffffff81000000 T alpha\n${filler}\n`;
  const bravo = `ffffffff81000000 T bravo\n${filler}\n`;
  expect(alpha.length).toBe(bravo.length);
  expect(printedSymbol(alpha, 6)).toBe("at alpha+0x10");
  expect(printedSymbol(bravo, 6)).toBe("at bravo+0x10");
  expect(printedSymbol(alpha, 6)).toBe("at alpha+0x10");
  expect(printedSymbol(bravo, 7)).toBe("at bravo+0x10"); // a v7 section, hashed from its bytes
  expect(printedSymbol(alpha, 7)).toBe("at alpha+0x10");
});
