// Dev tool: differential check of formatInfo() against libtraceevent 1.7.1 itself (through a tiny C
// driver, /tmp/tool/tepfmt, built against the system libtraceevent.so.1 with its plugins) on
// synthetic payloads for every format file of this machine.
// usage: bun test/unit/events/_diff-lte.ts kallsyms printk_formats [perEvent] [out.json.gz]
import { EventCatalog, parseKallsyms, parsePrintkFormats, type EventFormat } from "../../../src/events/index.ts";
import { setSynthBigEndian, synthPayloads } from "./_synth.ts";

const bigEndian = process.env.TEP_BE === "1";
const longSize = Number(process.env.TEP_LONG ?? 8);
setSynthBigEndian(bigEndian);

const [kallsymsPath, printkPath, perEventArg, out] = process.argv.slice(2);
const perEvent = Number(perEventArg ?? 8);
const kallsyms = await Bun.file(kallsymsPath!).text();
const printk = await Bun.file(printkPath!).text();
const symbols = parseKallsyms(kallsyms);
const printkMap = parsePrintkFormats(printk);
const cat = new EventCatalog({ littleEndian: !bigEndian, longSize, symbols, printk: printkMap });
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
const unesc = (s: string) => s.replace(/\\(n|\\|0)/g, (_m, c: string) => (c === "n" ? "\n" : c === "0" ? "\0" : "\\")).split("\0")[0]!;
const bad = new Map<string, { n: number; ok: number; ex: string[] }>();
const kept: { system: string; text: string; hex: string; info: string; raw: string }[] = [];
for (const [i, c] of cases.entries()) {
  const want = unesc(lines[2 * i]!.slice(2));
  const wantRaw = unesc(lines[2 * i + 1]!.slice(2));
  const payload = Buffer.from(c.hex, "hex");
  const got = cat.formatInfo(c.f.ev, payload, false, { cpu: 0, ts: 0n });
  const gotRaw = cat.formatInfo(c.f.ev, payload, true, { cpu: 0, ts: 0n });
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
  // Keep one event per distinct print-fmt "feature signature" (helpers, conversions, operators),
  // plus every plugin-handled event, and only the symbols and printk strings the payloads use.
  const sig = (text: string) => {
    const fmt = text.slice(text.indexOf("print fmt:"));
    const feats = new Set([...fmt.matchAll(/__\w+\(|%[-+ #0]*\d*(?:\.\d+)?[hlLzZ]*[a-zA-Z]+|[!=<>&|^~?*\/%+-]{1,2}|\(\s*(?:unsigned|u\d+|s\d+|int|long|char|short|void)[^)]*\)/g)].map((m) => m[0]));
    return [...feats].sort().join(" ");
  };
  const seen = new Set<string>();
  const limit = Number(process.env.MAX_CASES ?? Number.POSITIVE_INFINITY);
  const chosen = kept.filter((k) => {
    const key = /^(sched|timer|tlb|kmem|syscalls|ftrace|kvm|kvmmmu):/.test(`${k.system}:`) && /sched_switch|sched_wakeup|hrtimer_expire_entry|hrtimer_start|tlb_flush|kfree|kmalloc|kmem_cache|sys_enter_futex|function|func_repeats|kernel_stack|raw_data|kvm_/.test(k.text.slice(0, 60)) ? k.text : sig(k.text);
    if (seen.has(key) || seen.size >= limit) return false;
    seen.add(key);
    return true;
  });
  const le = !bigEndian;
  const wanted = new Set<bigint>();
  for (const c of chosen) {
    const b = Buffer.from(c.hex, "hex");
    for (let o = 0; o + 8 <= b.length; o += 4) wanted.add(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
    for (let o = 0; o + 4 <= b.length; o += 4) wanted.add(BigInt(le ? b.readUInt32LE(o) : b.readUInt32BE(o)));
  }
  const lines = kallsyms.split("\n").filter(Boolean).map((l) => ({ l, a: BigInt(`0x${l.slice(0, 16)}`) })).sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : 0));
  const keepIdx = new Set<number>();
  for (const v of wanted) {
    let lo = 0, hi = lines.length - 1;
    if (v < lines[0]!.a || v > lines[hi]!.a + 0x100000n) continue;
    while (lo < hi) { const m = (lo + hi + 1) >> 1; if (lines[m]!.a <= v) lo = m; else hi = m - 1; }
    for (let k = lo - 1; k <= lo + 1; k++) if (k >= 0 && k < lines.length) keepIdx.add(k);
    for (let k = lo; k >= 0 && lines[k]!.a === lines[lo]!.a; k--) keepIdx.add(k);
    for (let k = lo; k < lines.length && lines[k]!.a === lines[lo]!.a; k++) keepIdx.add(k + 1);
  }
  const trimmedSyms = [...keepIdx].filter((k) => k < lines.length).sort((x, y) => x - y).map((k) => lines[k]!.l).join("\n") + "\n";
  const trimmedPrintk = printk.split("\n").filter((l) => { const m = /^0x([0-9a-f]+)/.exec(l); return m && wanted.has(BigInt(`0x${m[1]}`)); }).join("\n") + "\n";
  const json = JSON.stringify({ origin: `libtraceevent 1.7.1 (Debian bookworm) + plugins, tep_print_event INFO / INFO_RAW on synthetic payloads, ${le ? "little" : "big"}-endian, long ${longSize}`, littleEndian: le, longSize, kallsyms: trimmedSyms, printk: trimmedPrintk, cases: chosen });
  await Bun.write(out, Bun.gzipSync(new TextEncoder().encode(json)));
  console.log(`wrote ${chosen.length} cases, ${keepIdx.size} symbols, ${json.length} bytes json`);
}
