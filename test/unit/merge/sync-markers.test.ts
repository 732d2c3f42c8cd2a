import { describe, expect, test } from "bun:test";
import { guestProbeStamps, hostProbeStamps, pairSyncSamples, printLayout, syncMarkers } from "../../../src/merge/sync-markers.ts";
import { hex } from "../../helpers/hex.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const PRINT_FORMAT = enc(
  "name: print\nID: 5\nformat:\n\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\tfield:unsigned long ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:char buf[];\toffset:16;\tsize:0;\tsigned:0;\n",
);

describe("printLayout()", () => {
  test("finds ftrace:print's id and buf offset", () => {
    expect(printLayout([enc("name: function\nID: 1\n"), PRINT_FORMAT])).toEqual({ id: 5, bufOffset: 16 });
    expect(printLayout([enc("name: function\nID: 1\n")])).toBeUndefined();
  });
});

describe("syncMarkers()", () => {
  test("yields the vtrace-sync print events of a page with their timestamps", () => {
    // one long-form event (type_len 0): 16 header bytes + "vtrace-sync 7\n\0" padded
    const payload = new Uint8Array(32);
    payload[0] = 5; // common_type
    payload.set(enc("vtrace-sync 7\n"), 16);
    const page = new Uint8Array(4096);
    page.set(hex("64 00 00 00 00 00 00 00"), 0); // ts 100
    new DataView(page.buffer).setUint32(8, 4 + 4 + 32, true); // commit
    new DataView(page.buffer).setUint32(16, 3 << 5, true); // type_len 0, delta 3
    new DataView(page.buffer).setUint32(20, 32 + 4, true); // array[0]
    page.set(payload, 24);
    const marks = [...syncMarkers(page, 4096, { littleEndian: true, longSize: 8 }, { id: 5, bufOffset: 16 })];
    expect(marks).toEqual([{ tsRaw: 103n, text: "vtrace-sync 7" }]);
  });
});

describe("pairSyncSamples()", () => {
  test("pairs host send/recv of one domain with the guest's stamp by sequence number", () => {
    const host = [
      { tsRaw: 10n, text: "vtrace-sync-send g1 0" },
      { tsRaw: 30n, text: "vtrace-sync-recv g1 0" },
      { tsRaw: 11n, text: "vtrace-sync-send g2 0" },
      { tsRaw: 50n, text: "vtrace-sync-send g1 1" },
    ];
    const guest = [
      { tsRaw: 1020n, text: "vtrace-sync 0" },
      { tsRaw: 1060n, text: "vtrace-sync 1" }, // no recv on the host: unpaired
    ];
    expect(pairSyncSamples(host, guest, "g1")).toEqual([{ hostSent: 10n, hostReceived: 30n, guestTsc: 1020n, guestReplied: 1020n }]);
  });
});

describe("guestProbeStamps()", () => {
  const ev = (tsRaw: number, text: string) => ({ tsRaw, text });
  test("a probe's arrival is the latest wake stamp since the previous probe marker, else the marker itself", () => {
    const events = [ev(1, "vtrace-sync-wake"), ev(2, "vtrace-sync-wake"), ev(5, "vtrace-sync 0"), ev(9, "vtrace-sync 1"), ev(10, "vtrace-sync-wake"), ev(12, "vtrace-sync 2"), ev(13, "vtrace-sync-wake")];
    const stamps = guestProbeStamps(events, (e) => e.text);
    expect([...stamps].map(([seq, e]) => [seq, e.arrived.tsRaw, e.replied.tsRaw])).toEqual([["0", 2, 5], ["1", 9, 9], ["2", 10, 12]]);
  });

  test("pairSyncSamples() keeps both guest stamps (arrival, reply), whatever order the CPUs' markers come in", () => {
    const host = [ev(100, "vtrace-sync-send g 0"), ev(200, "vtrace-sync-recv g 0")];
    const guest = [ev(160, "vtrace-sync 0"), ev(130, "vtrace-sync-wake")]; // the stamp is on another CPU's list
    expect(pairSyncSamples(host.map((m) => ({ ...m, tsRaw: BigInt(m.tsRaw) })), guest.map((m) => ({ ...m, tsRaw: BigInt(m.tsRaw) })), "g")).toEqual([
      { hostSent: 100n, hostReceived: 200n, guestTsc: 130n, guestReplied: 160n },
    ]);
  });
});

describe("hostProbeStamps()", () => {
  const ev = (tsRaw: number, text: string) => ({ tsRaw, text });
  test("a reply's arrival is the waiter's wake stamp between the probe's send and recv markers, else the recv marker", () => {
    const events = [
      ev(1, "vtrace-sync-wake"), // before the send: not this probe's
      ev(10, "vtrace-sync-send g1 0"),
      ev(14, "vtrace-sync-wake"),
      ev(20, "vtrace-sync-recv g1 0"),
      ev(30, "vtrace-sync-send g1 1"),
      ev(40, "vtrace-sync-recv g1 1"), // no stamp (an older virt-server)
      ev(50, "vtrace-sync-send g2 0"),
      ev(55, "vtrace-sync-wake"),
      ev(60, "vtrace-sync-recv g2 0"),
    ];
    const g1 = hostProbeStamps(events, (e) => e.text, "g1");
    expect([...g1].map(([seq, s]) => [seq, s.sent.tsRaw, s.received.tsRaw])).toEqual([["0", 10, 14], ["1", 30, 40]]);
    expect([...hostProbeStamps(events, (e) => e.text, "g2")].map(([seq, s]) => [seq, s.received.tsRaw])).toEqual([["0", 55]]);
  });
});
