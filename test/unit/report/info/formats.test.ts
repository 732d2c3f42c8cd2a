// --events / --event REGEX: the stored format texts (v6 only), trace-cmd's system:event rules; -e.
import { expect, test } from "bun:test";
import { EDGE, fmt, open, run } from "./helpers.ts";

const v6 = [{ path: "x.dat", dat: open({ version: 6, ...EDGE }) }];
const names = (text: string) => text.split("\n").filter((l) => /^(system|name):/.test(l));

test("--events prints every event system's formats, never the ftrace ones", () => {
  const text = run({ events: true }, v6).text;
  expect(text.startsWith(`\nsystem: demo_sys\nname: demo\n`)).toBe(true);
  expect(text).toContain(`\nsystem: sched\n${fmt("sched_switch", 310)}\n${fmt("sched_wakeup", 311, "\tgarbage line here\n")}\n`);
  expect(names(text)).not.toContain("name: function");
  expect(names(text).filter((l) => l.startsWith("system:"))).toEqual(["system: demo_sys", "system: sched", "system: alpha", "system: irq"]);
});

test.each([
  ["sched", ["system: sched", "name: sched_switch", "name: sched_wakeup", "name: Sched_Zed"]],
  ["sched:sched_s", ["system: sched", "name: sched_switch"]],
  [":beta", ["system: alpha", "name: beta", "name: beta"]],
  ["ALPHA", ["system: alpha", "name: zeta", "name: beta", "name: beta", "name: sys-enter"]],
  // One part (strtok skips the colon): the system matches, so all of it prints, the leading-newline format too.
  ["irq:", ["system: irq", "name: irq_handler_entry", "name: softirq_entry"]],
  ["al.*:b", ["system: alpha", "name: beta", "name: beta"]],
  ["zz:sched_switch", []],
] as const)("--event %s", (regex, expected) => {
  expect(names(run({ event: regex }, v6).text)).toEqual([...expected]);
});

test("--event with a bad regex prints nothing and warns", () => {
  const r = run({ event: "\\(bad" }, v6);
  expect(r.text).toBe("");
  expect(r.warnings.length).toBe(1);
});

test("--events on a v7 file prints nothing (3.1.6 passes no regex to its sections)", () => {
  expect(run({ events: true }, [{ path: "x", dat: open({ version: 7, compression: "none", ...EDGE }) }]).text).toBe("");
});

test("-e names the file's byte order (first file only)", () => {
  const big = open({ version: 6, littleEndian: false, buffers: [{ name: "", cpus: [] }] });
  expect(run({ e: true }, [{ path: "b", dat: big }, ...v6]).text).toBe("file is big endian and host is little endian\n");
  expect(run({ e: true }, v6).text).toBe("file is little endian and host is little endian\n");
});
