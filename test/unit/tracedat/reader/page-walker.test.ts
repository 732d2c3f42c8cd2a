// PageWalker: an annotated golden page, checked by hand against the kbuffer rules.
import { expect, test } from "bun:test";
import { FormatError } from "../../../../src/errors.ts";
import { PageWalker } from "../../../../src/tracedat/reader/page-walker.ts";
import { strtoll } from "../../../../src/tracedat/reader/strtoll.ts";

function hex(text: string): Uint8Array {
  const bytes = text.replace(/#.*$/gm, "").trim().split(/\s+/).map((b) => parseInt(b, 16));
  const page = new Uint8Array(128);
  page.set(bytes);
  return page;
}

// commit = 0x30 bytes with RB_MISSED_EVENTS|RB_MISSED_STORED sign-extended into the upper long half.
const PAGE = hex(`
  e8 03 00 00 00 00 00 00   # page timestamp 1000
  30 00 00 c0 ff ff ff ff   # commit 48, missed events, count stored
  42 01 00 00               # type_len 2 (8-byte payload), delta 10
  01 00 00 00 2a 00 00 00   # common_type 1, pid 42
  5e 00 00 00 02 00 00 00   # TIME_EXTEND: delta 2, array 2 → + (2 << 27) + 2
  1d 01 00 00 08 00 00 00   # PADDING, delta 8, length 8 (from the length field on)
  00 00 00 00
  40 00 00 00 0c 00 00 00   # type_len 0, delta 2, length 12 → 8-byte payload
  02 00 00 00 07 00 00 00   # common_type 2, pid 7
  05 00 00 00 00 00 00 00   # lost-event count 5, after the commit
`);

test("PageWalker yields data events with kbuffer timestamps and the stored lost count on the first", () => {
  const w = new PageWalker({ littleEndian: true, longSize: 8 });
  w.load(PAGE);
  const seen = [];
  while (w.next()) seen.push({ ts: w.ts, offset: w.offset, size: w.size, missed: w.missed, type: w.commonType, pid: w.commonPid });
  expect(seen).toEqual([
    { ts: 1010n, offset: 20, size: 8, missed: 5, type: 1, pid: 42 },
    { ts: 1010n + (2n << 27n) + 2n + 8n + 2n, offset: 56, size: 8, missed: 0, type: 2, pid: 7 },
  ]);
});

test("PageWalker refuses a commit past the page and an event crossing the commit", () => {
  const w = new PageWalker({ littleEndian: true, longSize: 8 });
  const big = PAGE.slice();
  big[8] = 0xf0;
  expect(() => w.load(big)).toThrow(FormatError);
  const short = PAGE.slice();
  short[8] = 0x0a; // commit 10: the first event's payload (20..28) ends past 26
  w.load(short);
  expect(() => w.next()).toThrow(FormatError);
});

test("strtoll() parses like C with base 0", () => {
  expect([strtoll("0x1f4"), strtoll(" -12abc"), strtoll("017"), strtoll("junk"), strtoll("99999999999999999999")]).toEqual([
    500n,
    -12n,
    15n,
    0n,
    (1n << 63n) - 1n,
  ]);
});
