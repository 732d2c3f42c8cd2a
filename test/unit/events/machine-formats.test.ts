// Every event format of the running kernel parses, and exactly the ones libtraceevent 1.7.1 cannot
// parse print [FAILED TO PARSE] (list: test/vectors/events/lte-failed-formats.txt, made on a 6.18
// kernel). Skipped, with the reason printed, when tracefs is not readable.
import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { EventCatalog, parseKallsyms } from "../../../src/events/index.ts";

const ROOT = "/sys/kernel/tracing/events";
const readable = existsSync(`${ROOT}/sched/sched_switch/format`);
if (!readable) console.log(`skipping machine-formats tests: ${ROOT} is not mounted or not readable`);

function machineFormats(): { system: string; text: string }[] {
  const out: { system: string; text: string }[] = [];
  for (const system of readdirSync(ROOT)) {
    let names: string[];
    try {
      names = readdirSync(`${ROOT}/${system}`);
    } catch {
      continue;
    }
    for (const name of names) {
      const path = `${ROOT}/${system}/${name}/format`;
      if (existsSync(path)) out.push({ system, text: readFileSync(path, "utf8") });
    }
  }
  return out;
}

test.skipIf(!readable)("EventCatalog.add() accepts every format file of this machine", () => {
  const cat = new EventCatalog({ littleEndian: true, longSize: 8, symbols: parseKallsyms(""), printk: new Map() });
  const formats = machineFormats();
  expect(formats.length).toBeGreaterThan(100);
  for (const f of formats) {
    const ev = cat.add(f.system, f.text);
    expect(cat.byId(ev.id)).toBe(ev);
    expect(typeof cat.formatInfo(ev, new Uint8Array(64))).toBe("string");
  }
});

test.skipIf(!readable)("EventCatalog.parseFailure() flags the formats libtraceevent fails on", () => {
  const known = new Set(readFileSync(new URL("../../vectors/events/lte-failed-formats.txt", import.meta.url), "utf8").split("\n").filter(Boolean));
  const cat = new EventCatalog({ littleEndian: true, longSize: 8, symbols: parseKallsyms(""), printk: new Map() });
  const failed: string[] = [];
  const present = new Set<string>();
  for (const f of machineFormats()) {
    const ev = cat.add(f.system, f.text);
    present.add(`${f.system}:${ev.name}`);
    if (cat.parseFailure(ev) !== undefined) failed.push(`${f.system}:${ev.name}`);
  }
  // Another kernel may lack some of the events; compare on the ones it has.
  expect(failed.sort()).toEqual([...known].filter((k) => present.has(k)).sort());
});
