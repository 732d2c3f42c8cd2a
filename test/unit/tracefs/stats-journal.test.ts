import { expect, test } from "bun:test";
import { RestoreJournal } from "../../../src/tracefs/journal.ts";
import { parseCpuStats } from "../../../src/tracefs/stats.ts";

test("parseCpuStats() reads the kernel's per_cpu stats file", () => {
  const text =
    "entries: 12\noverrun: 3\ncommit overrun: 1\nbytes: 4096\noldest event ts:   396.761192\nnow ts:   396.876333\ndropped events: 2\nread events: 107\n";
  expect(parseCpuStats(text)).toEqual({ entries: 12, overrun: 3, commitOverrun: 1, bytes: 4096, droppedEvents: 2, readEvents: 107, text });
});

test("RestoreJournal.restore() undoes in reverse order and keeps going past a failing step", () => {
  const log: string[] = [];
  const j = new RestoreJournal();
  j.add("first", () => log.push("first"));
  j.add("broken", () => {
    throw new Error("EBUSY");
  });
  j.add("last", () => log.push("last"));
  j.restore();
  expect(log).toEqual(["last", "first"]);
  expect(j.failures).toEqual(["broken: EBUSY"]);
  j.restore();
  expect(log).toEqual(["last", "first"]);
});
