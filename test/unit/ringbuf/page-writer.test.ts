// PageWriter: records written into pages decode back (decodePage) to the same times and payloads, in
// both byte orders and long sizes, with TIME_EXTENDs, length words, page breaks and lost counts laid
// out byte for byte as the kernel does.

import { describe, expect, test } from "bun:test";
import { decodePage, decodePageHeader, type PageLayout } from "../../../src/ringbuf/page.ts";
import { PageWriter, recordBytes } from "../../../src/ringbuf/page-writer.ts";

const PAGE = 4096;

interface Rec {
  ts: bigint;
  payload: Uint8Array;
  missed?: number;
}

function payload(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
}

function write(layout: PageLayout, records: Rec[]): Uint8Array[] {
  const pages: Uint8Array[] = [];
  const w = new PageWriter(layout, PAGE, (p) => pages.push(p));
  for (const r of records) w.add(r.ts, r.payload, r.missed ?? 0);
  w.flush();
  return pages;
}

function readBack(layout: PageLayout, pages: Uint8Array[]): { ts: bigint; payload: Uint8Array }[] {
  return pages.flatMap((page) => [...decodePage(page, layout)].map((e) => ({ ts: e.ts, payload: page.slice(e.offset, e.offset + e.size) })));
}

const LAYOUTS: [string, PageLayout][] = [
  ["little-endian, 8-byte long", { littleEndian: true, longSize: 8 }],
  ["big-endian, 8-byte long", { littleEndian: false, longSize: 8 }],
  ["little-endian, 4-byte long", { littleEndian: true, longSize: 4 }],
];

describe.each(LAYOUTS)("%s", (_name, layout) => {
  test("small and large payloads, deltas past 2^27 and page breaks decode to the same records", () => {
    const records: Rec[] = [];
    let ts = 1_000_000_000n;
    for (let i = 0; i < 400; i++) {
      ts += i % 50 === 0 ? (1n << 27n) + BigInt(i) : BigInt(i * 13);
      records.push({ ts, payload: payload([8, 16, 112, 116, 200, 4][i % 6]!, i) });
    }
    const pages = write(layout, records);
    expect(pages.length).toBeGreaterThan(5);
    expect(readBack(layout, pages)).toEqual(records.map((r) => ({ ts: r.ts, payload: r.payload })));
    for (const p of pages) expect(p.length).toBe(PAGE);
  });

  test("lost events start a page flagged MISSED_EVENTS; a known count is stored after the data", () => {
    const pages = write(layout, [
      { ts: 10n, payload: payload(8, 1) },
      { ts: 20n, payload: payload(8, 2), missed: 42 },
      { ts: 30n, payload: payload(8, 3), missed: -1 },
    ]);
    const headers = pages.map((p) => decodePageHeader(p, layout));
    expect(headers.map((h) => [h.ts, h.missedEvents, h.missedCount])).toEqual([
      [10n, false, undefined],
      [20n, true, 42],
      [30n, true, undefined],
    ]);
  });
});

test("the bytes of a page: header, a type_len record, a length-word record, a TIME_EXTEND", () => {
  const layout = { littleEndian: true, longSize: 8 };
  const [page] = write(layout, [
    { ts: 0x100n, payload: Uint8Array.of(1, 2, 3, 4) },
    { ts: 0x105n, payload: payload(116, 0) },
    { ts: 0x105n + (1n << 27n) + 3n, payload: Uint8Array.of(9, 9, 9, 9) },
  ]);
  const dv = new DataView(page!.buffer);
  expect(dv.getBigUint64(0, true)).toBe(0x100n);
  const commit = 4 + 4 + (4 + 4 + 116) + 8 + (4 + 4);
  expect(dv.getBigUint64(8, true)).toBe(BigInt(commit));
  expect(dv.getUint32(16, true)).toBe((0 << 5) | 1); // delta 0, one word
  expect([...page!.subarray(20, 24)]).toEqual([1, 2, 3, 4]);
  expect(dv.getUint32(24, true)).toBe((5 << 5) | 0); // delta 5, length word follows
  expect(dv.getUint32(28, true)).toBe(120); // payload + 4
  const extendAt = 32 + 116;
  expect(dv.getUint32(extendAt, true)).toBe((3 << 5) | 30); // TIME_EXTEND, low 27 bits of the delta
  expect(dv.getUint32(extendAt + 4, true)).toBe(1); // the delta >> 27
  expect(dv.getUint32(extendAt + 8, true)).toBe((0 << 5) | 1);
  expect(recordBytes(4)).toBe(8);
  expect(recordBytes(116)).toBe(124);
  expect(recordBytes(0)).toBe(8);
});
