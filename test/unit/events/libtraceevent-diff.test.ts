// Checks formatInfo() against libtraceevent 1.7.1 itself (+ its plugins) on synthetic payloads for
// one event of each distinct print-fmt shape on a 6.18 kernel, in two file layouts:
// little-endian with 8-byte longs, and big-endian with 4-byte longs.
import { describe, expect, test } from "bun:test";
import { EventCatalog, parseKallsyms, parsePrintkFormats } from "../../../src/events/index.ts";
import { writtenInfo } from "./_golden.ts";
import { loadVectors } from "./_vectors.ts";

interface SynthCase {
  system: string;
  text: string;
  hex: string;
  info: string;
  raw: string;
}
interface Synth {
  littleEndian: boolean;
  longSize: number;
  kallsyms: string;
  printk: string;
  cases: SynthCase[];
}

async function firstMismatch(file: string) {
  const v = await loadVectors<Synth>(file);
  const cat = new EventCatalog({
    littleEndian: v.littleEndian,
    longSize: v.longSize,
    symbols: parseKallsyms(v.kallsyms),
    printk: parsePrintkFormats(v.printk),
  });
  const events = v.cases.map((c) => cat.add(c.system, c.text));
  for (const [i, c] of v.cases.entries()) {
    const payload = Buffer.from(c.hex, "hex");
    const rec = { cpu: 0, ts: 0n };
    const got = { info: cat.formatInfo(events[i]!, payload, false, rec), raw: cat.formatInfo(events[i]!, payload, true, rec), written: writtenInfo(cat, events[i]!, payload, rec) };
    if (got.info !== c.info || got.raw !== c.raw || got.written !== c.info) {
      return { event: `${c.system}:${events[i]!.name}`, want: { info: c.info, raw: c.raw }, got };
    }
  }
  return { checked: v.cases.length };
}

describe("EventCatalog against libtraceevent", () => {
  test("formatInfo() matches libtraceevent on little-endian 8-byte-long payloads", async () => {
    const r = await firstMismatch("synth-le8.json.gz");
    expect(r).toEqual({ checked: expect.any(Number) });
    expect((r as { checked: number }).checked).toBeGreaterThan(400);
  });

  test("formatInfo() matches libtraceevent on big-endian 4-byte-long payloads", async () => {
    const r = await firstMismatch("synth-be4.json.gz");
    expect(r).toEqual({ checked: expect.any(Number) });
    expect((r as { checked: number }).checked).toBeGreaterThan(100);
  });
});
