// Dev tool: formatInfo() cost per record on a v6 capture, cold (first pass, JIT warm-up included)
// and warm, next to the `trace-cmd report` time for the same file.
// usage: bun test/unit/events/_bench.ts file6.dat
import { EventCatalog, parseKallsyms, parsePrintkFormats } from "../../../src/events/index.ts";
import { mergeByTime, readCorpus } from "./_corpus.ts";

const file = process.argv[2]!;
const corpus = readCorpus(new Uint8Array(await Bun.file(file).arrayBuffer()));
const events = mergeByTime(corpus.events);
let t = performance.now();
const cat = new EventCatalog({ littleEndian: corpus.littleEndian, longSize: corpus.longSize, symbols: parseKallsyms(corpus.kallsyms), printk: parsePrintkFormats(corpus.printk) });
for (const f of corpus.formats) cat.add(f.system, f.text);
console.log(`setup (kallsyms, printk, ${corpus.formats.length} formats): ${(performance.now() - t).toFixed(0)} ms`);
for (const pass of ["cold", "warm", "warm"]) {
  t = performance.now();
  let n = 0;
  for (const e of events) n += cat.formatInfo(cat.byId(cat.commonType(e.payload))!, e.payload, false, { cpu: e.cpu, ts: e.ts }).charCodeAt(0) | 0;
  const ms = performance.now() - t;
  console.log(`${pass}: ${events.length} records in ${ms.toFixed(0)} ms (${((ms * 1000) / events.length).toFixed(2)} µs/record)`);
}
t = performance.now();
Bun.spawnSync(["trace-cmd", "report", "-i", file], { stdout: "ignore", stderr: "ignore" });
console.log(`trace-cmd report (whole report): ${(performance.now() - t).toFixed(0)} ms`);
