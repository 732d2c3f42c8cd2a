// Dev tool: writes test/vectors/events/oracle.json.gz from a v6 trace.dat and trace-cmd 3.1.6 output.
// usage: bun test/unit/events/_make-vectors.ts file6.dat report.txt reportR.txt out.json.gz
import { mergeByTime, parseReport, readCorpus } from "./_corpus.ts";

const [dat, rep, repR, out] = process.argv.slice(2);
const corpus = readCorpus(new Uint8Array(await Bun.file(dat!).arrayBuffer()));
const events = mergeByTime(corpus.events);
const lines = parseReport(await Bun.file(rep!).text());
const rawLines = parseReport(await Bun.file(repR!).text());
const le = corpus.littleEndian;
const typeOf = (p: Uint8Array) => (le ? p[0]! | (p[1]! << 8) : (p[0]! << 8) | p[1]!);
const PER_TYPE = Number(process.env.PER_TYPE ?? 4);
const picked = new Map<number, { hex: string; after: string; info: string; raw: string }[]>();
for (let i = 0; i < events.length; i++) {
  const id = typeOf(events[i]!.payload);
  const list = picked.get(id) ?? [];
  if (list.length >= PER_TYPE || list.some((c) => c.info === lines[i]!.info)) continue;
  list.push({ hex: Buffer.from(events[i]!.payload).toString("hex"), after: Buffer.from(events[i]!.after).toString("hex"), info: lines[i]!.info, raw: rawLines[i]!.info });
  picked.set(id, list);
}
const formats = corpus.formats.filter((f) => picked.has(Number(/^ID: (\d+)/m.exec(f.text)?.[1])));
// Keep only the kallsyms lines around 8-byte values found in the chosen payloads (at 4-byte steps).
const syms = corpus.kallsyms.split("\n").filter(Boolean).map((l) => ({ l, a: BigInt(`0x${l.slice(0, 16)}`) }));
syms.sort((a, b) => (a.a < b.a ? -1 : a.a > b.a ? 1 : 0));
const keep = new Set<number>();
for (const list of picked.values()) {
  for (const c of list) {
    const b = Buffer.from(c.hex, "hex");
    for (let o = 0; o + 8 <= b.length; o += 4) {
      const v = le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o);
      if (v < syms[0]!.a || v > syms.at(-1)!.a) continue;
      let lo = 0, hi = syms.length - 1;
      while (lo < hi) { const m = (lo + hi + 1) >> 1; if (syms[m]!.a <= v) lo = m; else hi = m - 1; }
      for (let k = lo - 1; k <= lo + 1; k++) if (k >= 0 && k < syms.length) keep.add(k);
      for (let k = lo; k >= 0 && syms[k]!.a === syms[lo]!.a; k--) keep.add(k);
    }
  }
}
const kallsyms = [...keep].sort((a, b) => a - b).map((k) => syms[k]!.l).join("\n") + "\n";
const cases = [...picked].flatMap(([id, list]) => list.map((c) => ({ id, ...c })));
const json = JSON.stringify({ origin: "trace-cmd 3.1.6 / libtraceevent 1.7.1 report and report -R of an all-events capture, kernel 6.18", littleEndian: le, longSize: corpus.longSize, kallsyms, printk: corpus.printk, formats, cases });
await Bun.write(out!, Bun.gzipSync(new TextEncoder().encode(json)));
console.log(`${cases.length} cases, ${formats.length} formats, ${keep.size} symbols, ${json.length} bytes json`);
