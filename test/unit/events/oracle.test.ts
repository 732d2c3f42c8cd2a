// Checks formatInfo() against trace-cmd 3.1.6 (libtraceevent 1.7.1 + plugins) on real records.
// Vectors: test/vectors/events/oracle.json.gz (see the README there for their origin).
import { describe, expect, test } from "bun:test";
import { writtenInfo } from "./_golden.ts";
import { EventCatalog, parseKallsyms, parsePrintkFormats } from "../../../src/events/index.ts";
import { loadVectors } from "./_vectors.ts";

interface OracleCase {
  id: number;
  hex: string;
  /** Bytes after the record in its page. */
  after?: string;
  info: string;
  raw: string;
}
interface Oracle {
  littleEndian: boolean;
  longSize: number;
  kallsyms: string;
  printk: string;
  formats: { system: string; text: string }[];
  cases: OracleCase[];
}

const FILES = ["oracle.json.gz", "oracle-stacks.json.gz"];
const oracles = await Promise.all(FILES.map((f) => loadVectors<Oracle>(f)));

/** The record as a subarray of a larger buffer, followed by the bytes that followed it in its page. */
function payloadOf(c: OracleCase): Uint8Array {
  const rec = Buffer.from(c.hex, "hex");
  const after = Buffer.from(c.after ?? "", "hex");
  const buf = new Uint8Array(rec.length + after.length);
  buf.set(rec);
  buf.set(after, rec.length);
  return buf.subarray(0, rec.length);
}

function catalog(oracle: Oracle): EventCatalog {
  const cat = new EventCatalog({
    littleEndian: oracle.littleEndian,
    longSize: oracle.longSize,
    symbols: parseKallsyms(oracle.kallsyms),
    printk: parsePrintkFormats(oracle.printk),
  });
  for (const f of oracle.formats) cat.add(f.system, f.text);
  return cat;
}

function firstMismatch(oracle: Oracle, raw: boolean): { index: number; event: string; want: string; got: string } | undefined {
  const cat = catalog(oracle);
  for (const [index, c] of oracle.cases.entries()) {
    const event = cat.byId(c.id)!;
    const got = cat.formatInfo(event, payloadOf(c), raw);
    const want = raw ? c.raw : c.info;
    if (got !== want) return { index, event: `${event.system}:${event.name}`, want, got };
    const written = raw ? want : writtenInfo(cat, event, payloadOf(c));
    if (written !== want) return { index, event: `${event.system}:${event.name} (byte path)`, want, got: written };
  }
  return undefined;
}

describe.each(FILES.map((f, i) => [f, oracles[i]!] as const))("EventCatalog oracle %s", (_file, oracle) => {
  test("formatInfo() matches trace-cmd report for every recorded vector", () => {
    expect(oracle.cases.length).toBeGreaterThan(20);
    expect(firstMismatch(oracle, false)).toBeUndefined();
  });

  test("formatInfo() with raw=true matches trace-cmd report -R for every recorded vector", () => {
    expect(firstMismatch(oracle, true)).toBeUndefined();
  });

  test("byId() finds every format of the vectors", () => {
    const cat = catalog(oracle);
    for (const c of oracle.cases) expect(cat.byId(c.id)).toBeDefined();
  });
});

test("byId() oracle vectors cover more than 250 event types", () => {
  expect(new Set(oracles[0]!.cases.map((c) => c.id)).size).toBeGreaterThan(250);
});
