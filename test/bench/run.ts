// `npm run bench [NAME...]`: runs the benchmarks one after another (all, or those named: record,
// report, convert, listen, merge, guest, agent, idle, virt-streams), each printing its numbers
// against its reference (trace-cmd, a C splice loop, or the same setup without vtrace).

import { readdirSync } from "node:fs";
import { join } from "node:path";

const all = readdirSync(import.meta.dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.slice(0, -".bench.ts".length))
  .sort();
const asked = process.argv.slice(2);
const unknown = asked.filter((n) => !all.includes(n));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(", ")}: choose from ${all.join(", ")}`);
  process.exit(2);
}
let failed = 0;
for (const name of asked.length > 0 ? asked : all) {
  console.log(`== ${name}`);
  const p = Bun.spawn([process.execPath, join(import.meta.dir, `${name}.bench.ts`)], { stdout: "inherit", stderr: "inherit" });
  if ((await p.exited) !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
