// --stat, --uname, --version (per file, with trace-cmd's prefix) and --cpus / --first-event / --last-event.
import { expect, test } from "bun:test";
import { buildTraceDat, demoEvents, type DemoFile } from "../../tracedat/reader/fixture-builder.ts";
import { open, run } from "./helpers.ts";

const te = new TextEncoder();
const ev = demoEvents(300);
const WITH_STATS: Omit<DemoFile, "version"> = {
  buffers: [{ name: "", cpus: [ev[0]!, [], ev[1]!] }, { name: "inst", cpus: demoEvents(40, 1_000_010_000n) }],
  eventsPerPage: 37,
  extraOptions: [
    { id: 2, data: te.encode("CPU: 0\nentries: 0\n\0") },
    { id: 2, data: te.encode("CPU: 1\nentries: 3\n\0") },
    { id: 5, data: te.encode("Linux x 6.1 x86_64\0") },
  ],
};
const STAT_HEAD =
  'cpus=3\n\nKernel buffer statistics:\n  Note: "entries" are the entries left in the kernel ring buffer and are not\n' +
  "        recorded in the trace data. They should all be zero.\n\nCPU: 0\nentries: 0\n\nCPU: 1\nentries: 3\n\n\n";

test("--stat v6: CPUSTAT texts, then the top buffer's CPU table at file offsets", () => {
  expect(run({ stat: true }, [{ path: "a.dat", dat: open({ version: 6, ...WITH_STATS }) }]).text).toBe(
    `${STAT_HEAD}CPU0 data recorded at offset=0x1000\n    36864 bytes in size\nCPU1 data recorded at offset=0x0\n    0 bytes in size\nCPU2 data recorded at offset=0xa000\n    36864 bytes in size\n`,
  );
});

test("--stat v7 zstd: compressed CPUs at virtual offsets with their uncompressed size", () => {
  const bytes = buildTraceDat({ version: 7, compression: "zstd", ...WITH_STATS });
  const text = run({ stat: true }, [{ path: "a.dat", dat: open({ version: 7, compression: "zstd", ...WITH_STATS }) }]).text;
  expect(text.startsWith(STAT_HEAD)).toBe(true);
  expect(text.slice(STAT_HEAD.length)).toMatch(/^CPU0 data recorded at offset=0x1000\n {4}36864 bytes in size\nCPU1 data recorded at offset=0x[0-9a-f]+\n {4}0 bytes in size\nCPU2 data recorded at offset=0xa000\n {4}36864 bytes in size\n$/);
  expect(bytes.length).toBeLessThan(36864); // the sizes shown are not the file's
});

test("--uname prints uname then version (trace-cmd's switch falls through); --version alone; missing texts", () => {
  const a = { path: "/some/dir/a.dat", dat: open({ version: 6, ...WITH_STATS }) };
  const b = { path: "longer-b.dat", dat: open({ version: 7, compression: "none", buffers: [{ name: "", cpus: demoEvents(2) }] }) };
  expect(run({ uname: true }, [a]).text).toBe("cpus=3\nLinux x 6.1 x86_64\n version was not recorded in this file\n");
  expect(run({ version: true, uname: true }, [a, b]).text).toBe(
    "       a.dat: cpus=3\n version was not recorded in this file\nlonger-b.dat: cpus=2\n version was not recorded in this file\n",
  );
  expect(run({ stat: true }, [b]).text).toContain("\n No stats in this file\nCPU0 data recorded at offset=0x");
});

test.each([
  ["v6", { version: 6 }],
  ["v7 zstd", { version: 7, compression: "zstd" }],
] as const)("--cpus / --first-event / --last-event %s: the top buffer's CPUs with records, every file", (_name, variant) => {
  const a = { path: "dir/a.dat", dat: open({ ...variant, ...WITH_STATS }) };
  const b = { path: "b.dat", dat: open({ version: 6, buffers: [{ name: "", cpus: [[], []] }, { name: "i", cpus: demoEvents(3) }] }) };
  expect(run({ cpus: true }, [a, b]).text).toBe("List of CPUs in dir/a.dat with data:\n  0\n  2\nList of CPUs in b.dat with data:\n");
  expect(run({ firstEvent: true, lastEvent: true }, [a]).text).toBe(
    "List of CPUs in dir/a.dat with data:\n  0\tFirst event:    1.000001\tLast event:    1.000599\n  2\tFirst event:    1.000002\tLast event:    1.000600\n",
  );
  expect(run({ lastEvent: true, t: true }, [a]).text).toBe("List of CPUs in dir/a.dat with data:\n  0\tLast event:    1.000598500\n  2\tLast event:    1.000599500\n");
  expect(run({ firstEvent: true, rawTs: true }, [a]).text).toBe("List of CPUs in dir/a.dat with data:\n  0\tFirst event:  1000000500\n  2\tFirst event:  1000001500\n");
});
