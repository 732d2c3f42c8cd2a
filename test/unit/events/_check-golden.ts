// Dev tool: runs the hand-written golden vectors through libtraceevent 1.7.1 (/tmp/tool/tepfmt)
// to confirm each expected text. usage: bun test/unit/events/_check-golden.ts
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { GOLDEN } from "./_golden-cases.ts";
import { formatText, hex, KALLSYMS, PRINTK } from "./_golden.ts";

const dir = mkdtempSync(`${tmpdir()}/golden-`);
writeFileSync(`${dir}/kallsyms`, `${KALLSYMS}\n`);
writeFileSync(`${dir}/printk`, PRINTK);
let bad = 0;
for (const [i, c] of GOLDEN.entries()) {
  const path = `${dir}/f${i}`;
  writeFileSync(path, formatText(c.name ?? "ev", 1, c.fields, c.fmt));
  const input = `F ${c.system ?? "test"} ${path}\nE ${Buffer.from(hex(c.payload)).toString("hex")}\n`;
  const env = { ...process.env, TEP_BE: c.littleEndian === false ? "1" : "0", TEP_LONG: String(c.longSize ?? 8) };
  const proc = Bun.spawnSync(["timeout", "5", "/tmp/tool/tepfmt", `${dir}/kallsyms`, `${dir}/printk`], { stdin: new TextEncoder().encode(input), env });
  const [info, raw] = proc.stdout.toString().split("\n").map((l) => l.slice(2).replace(/\\n/g, "\n").replace(/\\\\/g, "\\"));
  const okInfo = info === c.info;
  const okRaw = c.raw === undefined || raw === c.raw;
  if (!okInfo || !okRaw) {
    bad++;
    console.log(`${c.what}\n  lte info: ${JSON.stringify(info)}\n  lte raw:  ${JSON.stringify(raw)}`);
  }
}
console.log(`${GOLDEN.length - bad}/${GOLDEN.length} golden vectors agree with libtraceevent`);
