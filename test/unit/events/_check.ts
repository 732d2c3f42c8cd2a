// Dev tool: compares formatInfo() with trace-cmd report for every record of a v6 file.
// usage: bun test/unit/events/_check.ts file6.dat report.txt reportR.txt
import { EventCatalog, parseKallsyms, parsePrintkFormats } from "../../../src/events/index.ts";
import { mergeByTime, parseReport, readCorpus } from "./_corpus.ts";

const [dat, rep, repR] = process.argv.slice(2);
const corpus = readCorpus(new Uint8Array(await Bun.file(dat!).arrayBuffer()));
const cat = new EventCatalog({ littleEndian: corpus.littleEndian, longSize: corpus.longSize, symbols: parseKallsyms(corpus.kallsyms), printk: parsePrintkFormats(corpus.printk) });
for (const f of corpus.formats) cat.add(f.system, f.text);
const events = mergeByTime(corpus.events);
for (const [file, raw] of [[rep, false], [repR, true]] as const) {
  const lines = parseReport(await Bun.file(file!).text());
  console.log(`${file}: ${events.length} events, ${lines.length} lines`);
  const bad = new Map<string, { n: number; ok: number; ex: string[] }>();
  for (let i = 0; i < Math.min(events.length, lines.length); i++) {
    const ev = events[i]!;
    const fmt = cat.byId(cat.commonType(ev.payload))!;
    const line = lines[i]!;
    if (fmt.name !== line.name || ev.cpu !== line.cpu) {
      console.log(`desync at ${i}: ${fmt.name}/${ev.cpu} vs ${line.name}/${line.cpu}`);
      break;
    }
    const got = cat.formatInfo(fmt, ev.payload, raw);
    const key = `${fmt.system}:${fmt.name}`;
    const b = bad.get(key) ?? { n: 0, ok: 0, ex: [] };
    b.n++;
    if (got === line.info) b.ok++;
    else if (b.ex.length < 2) b.ex.push(`  want: ${JSON.stringify(line.info)}\n  got:  ${JSON.stringify(got)}`);
    bad.set(key, b);
  }
  let types = 0, okTypes = 0;
  for (const [k, b] of [...bad].sort((a, b) => b[1].n - a[1].n)) {
    types++;
    if (b.ok === b.n) { okTypes++; continue; }
    console.log(`${k}: ${b.ok}/${b.n}\n${b.ex.join("\n")}`);
  }
  console.log(`${file}: ${okTypes}/${types} event types fully match`);
}
