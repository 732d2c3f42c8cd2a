// Dev tool: differential check of formatInfo() against libtraceevent 1.7.1 itself (through a tiny C
// driver, /tmp/tool/tepfmt, built against the system libtraceevent.so.1 with its plugins) on
// synthetic payloads for every format file of this machine.
// usage: bun test/unit/events/_diff-lte.ts kallsyms printk_formats [perEvent] [out.json.gz]
import { EventCatalog, parseKallsyms, parsePrintkFormats, type EventFormat } from "../../../src/events/index.ts";
import { synthPayloads } from "./_synth.ts";

const [kallsymsPath, printkPath, perEventArg, out] = process.argv.slice(2);
const perEvent = Number(perEventArg ?? 8);
const kallsyms = await Bun.file(kallsymsPath!).text();
const printk = await Bun.file(printkPath!).text();
const symbols = parseKallsyms(kallsyms);
const printkMap = parsePrintkFormats(printk);
const cat = new EventCatalog({ littleEndian: true, longSize: 8, symbols, printk: printkMap });
const root = "/sys/kernel/tracing/events";
const formats: { system: string; path: string; text: string; ev: EventFormat }[] = [];
for await (const path of new Bun.Glob("*/*/format").scan(root)) {
  const system = path.split("/")[0]!;
  const text = await Bun.file(`${root}/${path}`).text();
  formats.push({ system, path: `${root}/${path}`, text, ev: cat.add(system, text) });
}
const symAddrs = [...kallsyms.matchAll(/^([0-9a-f]{16}) [tT] /gm)].map((m) => BigInt(`0x${m[1]}`));
const printkAddrs = [...printkMap.keys()];
let seed = 12345;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
const cases: { f: (typeof formats)[number]; hex: string }[] = [];
for (const f of formats) {
  for (const p of synthPayloads(f.ev, perEvent, rnd, symAddrs, printkAddrs)) cases.push({ f, hex: Buffer.from(p).toString("hex") });
}
let input = "";
for (const f of formats) input += `F ${f.system} ${f.path}\n`;
for (const c of cases) input += `E ${c.hex}\n`;
await Bun.write("/tmp/tool/input.txt", input);
const proc = Bun.spawn(["/tmp/tool/tepfmt", kallsymsPath!, printkPath!], { stdin: new TextEncoder().encode(input), stdout: "pipe" });
const lines = (await new Response(proc.stdout).text()).split("\n");
const unesc = (s: string) => s.replace(/\\(n|\\|0)/g, (_m, c: string) => (c === "n" ? "\n" : c === "0" ? "\0" : "\\"));
const bad = new Map<string, { n: number; ok: number; ex: string[] }>();
const kept: { system: string; text: string; hex: string; info: string; raw: string }[] = [];
for (const [i, c] of cases.entries()) {
  const want = unesc(lines[2 * i]!.slice(2));
  const wantRaw = unesc(lines[2 * i + 1]!.slice(2));
  const payload = Buffer.from(c.hex, "hex");
  const got = cat.formatInfo(c.f.ev, payload);
  const gotRaw = cat.formatInfo(c.f.ev, payload, true);
  const key = `${c.f.system}:${c.f.ev.name}`;
  const b = bad.get(key) ?? { n: 0, ok: 0, ex: [] };
  b.n++;
  if (got === want && gotRaw === wantRaw) {
    b.ok++;
    if (b.ok <= 1) kept.push({ system: c.f.system, text: c.f.text, hex: c.hex, info: want, raw: wantRaw });
  } else if (b.ex.length < 1) {
    b.ex.push(got !== want ? `  want: ${JSON.stringify(want)}\n  got:  ${JSON.stringify(got)}` : `  wantR: ${JSON.stringify(wantRaw)}\n  gotR:  ${JSON.stringify(gotRaw)}`);
  }
  bad.set(key, b);
}
let okTypes = 0;
for (const [k, b] of bad) {
  if (b.ok === b.n) okTypes++;
  else console.log(`${k}: ${b.ok}/${b.n}\n${b.ex.join("\n")}`);
}
console.log(`${okTypes}/${bad.size} event types match on all ${perEvent} synthetic payloads (${cases.length} cases)`);
if (out) {
  await Bun.write(out, Bun.gzipSync(new TextEncoder().encode(JSON.stringify({ origin: "libtraceevent 1.7.1 (Debian bookworm) tep_print_event INFO / INFO_RAW on synthetic payloads", kallsyms: "", cases: kept }))));
}
