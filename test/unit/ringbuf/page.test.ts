import { describe, expect, test } from "bun:test";
import { decodePage, decodePageHeader } from "../../../src/ringbuf/page.ts";
import { FormatError, TruncatedError, VtraceError } from "../../../src/errors.ts";
import { hex } from "../../helpers/hex.ts";

const LE8 = { littleEndian: true, longSize: 8 } as const;

// Hand-built page, checked against the kbuffer rules.
const PAGE = hex(`
  e8 03 00 00 00 00 00 00   # page timestamp 1000
  4c 00 00 00 00 00 00 00   # commit: 76 bytes of events
  42 01 00 00               # type_len 2 (8-byte payload), delta 10
  01 00 00 00 2a 00 00 00   #   common_type 1, flags 0, preempt 0, pid 42
  00 02 00 00               # type_len 0 (long form), delta 16
  10 00 00 00               #   array[0] = 16: 12 payload bytes
  02 00 00 00 07 00 00 00 aa bb cc dd
  3e 00 00 00               # TIME_EXTEND, delta 1
  01 00 00 00               #   array[0] 1 → ext = (1 << 27) + 1
  5d 00 00 00               # PADDING with delta 2 (non-null)
  08 00 00 00 ff ff ff ff   #   array[0] 8: this word + 4 discarded bytes
  21 00 00 00               # type_len 1 (4-byte payload), delta 1
  03 00 00 00               #   common_type 3
  7f 00 00 00               # TIME_STAMP absolute, delta 3
  00 00 00 00               #   array[0] 0 → ts = 3
  21 00 00 00               # type_len 1, delta 1
  04 00 00 00
`);

describe("decodePage()", () => {
  test("yields each data event with its absolute timestamp, skipping extend/padding/stamp", () => {
    expect([...decodePage(PAGE, LE8)]).toEqual([
      { ts: 1010n, offset: 20, size: 8 },
      { ts: 1026n, offset: 36, size: 12 },
      { ts: 1026n + (1n << 27n) + 1n + 1n, offset: 72, size: 4 },
      { ts: 4n, offset: 88, size: 4 },
    ]);
  });

  test("stops at null padding (type 29, delta 0)", () => {
    const page = hex(`
      00 00 00 00 00 00 00 00  10 00 00 00 00 00 00 00
      21 00 00 00 05 00 00 00   # event, delta 1
      1d 00 00 00 00 00 00 00   # null padding
    `);
    expect([...decodePage(page, LE8)].map((e) => e.ts)).toEqual([1n]);
  });

  test("reads a big-endian, 4-byte-long page", () => {
    const page = hex(`
      00 00 00 00 00 00 00 64   # ts 100
      00 00 00 0c               # commit 12 (4-byte long)
      10 00 00 05               # type_len 2 (top 5 bits), delta 5
      00 01 00 00 00 00 00 09
    `);
    expect([...decodePage(page, { littleEndian: false, longSize: 4 })]).toEqual([{ ts: 105n, offset: 16, size: 8 }]);
  });

  test("reports an event crossing commit as a FormatError", () => {
    const bad = PAGE.slice();
    bad[20 - 4] = 0x44; // type_len 4: 16 bytes, runs past the next event but inside commit: still valid
    bad[8] = 0x0c; // commit 12: the first 8-byte event ends at 28 > 16 + 12
    expect(() => [...decodePage(bad, LE8)]).toThrow(FormatError);
  });

  test("every cut of the page raises only VtraceErrors", () => {
    for (let cut = 0; cut < PAGE.length; cut++) {
      try {
        [...decodePage(PAGE.subarray(0, cut), LE8)];
      } catch (e) {
        expect(e).toBeInstanceOf(VtraceError);
      }
    }
    expect(() => decodePage(PAGE.subarray(0, 10), LE8).next()).toThrow(TruncatedError);
  });
});

describe("decodePageHeader()", () => {
  test("reads missed-event flags and the stored lost count", () => {
    const page = hex(`
      00 00 00 00 00 00 00 00
      08 00 00 c0 00 00 00 00   # commit 8 | RB_MISSED_EVENTS | RB_MISSED_STORED
      21 00 00 00 01 00 00 00   # one event
      2a 00 00 00 00 00 00 00   # lost count 42, stored after the data
    `);
    expect(decodePageHeader(page, LE8)).toEqual({
      ts: 0n,
      commit: 8,
      missedEvents: true,
      missedCount: 42,
      dataOffset: 16,
    });
  });
});

describe("decodePage() on hostile or sign-extended words", () => {
  test("a sign-extended commit word (real lost-event pages) keeps its size and flags", () => {
    const page = hex(`
      00 00 00 00 00 00 00 00
      08 00 00 c0 ff ff ff ff   # commit 0xffffffffc0000008: size 8, both lost-event flags
      21 00 00 00 01 00 00 00
      03 00 00 00 00 00 00 00   # 3 lost events
    `);
    expect(decodePageHeader(page, LE8)).toMatchObject({ commit: 8, missedEvents: true, missedCount: 3 });
    expect([...decodePage(page, LE8)]).toHaveLength(1);
  });

  test("an event length near 2^32 is a FormatError, not a negative size", () => {
    const page = hex(`
      00 00 00 00 00 00 00 00  10 00 00 00 00 00 00 00
      00 00 00 00  fc ff ff ff   # long form, length 0xfffffffc
      00 00 00 00 00 00 00 00
    `);
    expect(() => [...decodePage(page, LE8)]).toThrow(FormatError);
  });
});
