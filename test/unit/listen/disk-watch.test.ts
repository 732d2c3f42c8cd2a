import { describe, expect, test } from "bun:test";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { DiskWatch } from "../../../src/listen/disk-watch.ts";
import { RecordingBudget } from "../../../src/listen/limits.ts";
import { MetadataSpool } from "../../../src/listen/metadata-spool.ts";
import { tempDir } from "../../helpers/env.ts";

const PAGE = 4096;

describe("DiskWatch", () => {
  test("trims the biggest CPU file at a page boundary until metadata + pages fit the cap", () => {
    using dir = tempDir("dw");
    const files = [0, 1, 2].map((cpu) => `${dir.path}/t.cpu${cpu}`);
    writeFileSync(files[0]!, new Uint8Array(10 * PAGE));
    writeFileSync(files[1]!, new Uint8Array(4 * PAGE + 100)); // a torn last page
    writeFileSync(files[2]!, new Uint8Array(0));
    const watch = new DiskWatch(files, dir.path, { maxRecordingBytes: 9 * PAGE + 10, minFreeBytes: 0 });
    watch.spool(`${dir.path}/t.meta`).append(new Uint8Array(PAGE));
    watch.stop();
    watch.trimToCap(PAGE);
    const sizes = files.map((f) => statSync(f).size);
    expect(sizes.reduce((a, b) => a + b, 0) + PAGE).toBeLessThanOrEqual(9 * PAGE + 10);
    // Only the biggest is cut, at a page boundary, by the least that makes it fit.
    expect(sizes).toEqual([3 * PAGE, 4 * PAGE + 100, 0]);
  });

  test("leaves a recording under its cap alone", () => {
    using dir = tempDir("dw");
    const file = `${dir.path}/t.cpu0`;
    writeFileSync(file, new Uint8Array(3 * PAGE + 5));
    const watch = new DiskWatch([file], dir.path, { maxRecordingBytes: 4 * PAGE, minFreeBytes: 0 });
    watch.stop();
    watch.trimToCap(PAGE);
    expect(statSync(file).size).toBe(3 * PAGE + 5);
  });

  test("trips when the movers' reports and the metadata pass the size cap, and says so", async () => {
    using dir = tempDir("dw");
    const files = [0, 1].map((cpu) => `${dir.path}/t.cpu${cpu}`);
    const watch = new DiskWatch(files, dir.path, { maxRecordingBytes: 9 * PAGE, minFreeBytes: 0 });
    watch.spool(`${dir.path}/t.meta`).append(new Uint8Array(PAGE));
    watch.moved(0, 3 * PAGE);
    watch.moved(1, 4 * PAGE);
    watch.moved(0, 4 * PAGE); // a report is the CPU's total so far: 1 + 4 + 4 pages fit
    expect(watch.reason).toBeUndefined();
    watch.moved(1, 4 * PAGE + 1);
    expect(watch.reason).toBe("recording reached its size cap (36 KiB)");
    expect(await watch.tripped).toBe("recording reached its size cap (36 KiB)");
  });

  test("checks nothing once stopped", () => {
    using dir = tempDir("dw");
    const watch = new DiskWatch([`${dir.path}/t.cpu0`], dir.path, { maxRecordingBytes: PAGE, minFreeBytes: 0 });
    watch.stop();
    watch.moved(0, 2 * PAGE);
    expect(watch.reason).toBeUndefined();
  });

  test("trips at once when the disk is already below the free-space floor", async () => {
    using dir = tempDir("dw");
    const watch = new DiskWatch([], dir.path, { maxRecordingBytes: 2 ** 50, minFreeBytes: 2 ** 50 });
    expect(await watch.tripped).toMatch(/^only [\d.]+ \w+ free in .*, below the --min-free floor of 1024 TiB$/);
  });
});

describe("MetadataSpool", () => {
  test("appends to its file, reads it back whole, and removes it", () => {
    using dir = tempDir("spool");
    let wrote = 0;
    const spool = new MetadataSpool(`${dir.path}/m`, new RecordingBudget(100), (n) => (wrote += n));
    spool.append(Uint8Array.of(1, 2));
    spool.append(Uint8Array.of(3));
    expect(spool.size).toBe(3);
    expect(wrote).toBe(3);
    expect([...spool.read()]).toEqual([1, 2, 3]);
    spool.remove();
    expect(existsSync(`${dir.path}/m`)).toBe(false);
    spool.remove(); // twice is fine
  });

  test("refuses what would pass the recording's budget, writing none of it", () => {
    using dir = tempDir("spool");
    const budget = new RecordingBudget(4);
    const spool = new MetadataSpool(`${dir.path}/m`, budget, () => undefined);
    spool.append(Uint8Array.of(1, 2, 3));
    expect(() => spool.append(Uint8Array.of(4, 5))).toThrow("recording reached its size cap (4 bytes)");
    expect([...spool.read()]).toEqual([1, 2, 3]);
    spool.remove();
  });
});
