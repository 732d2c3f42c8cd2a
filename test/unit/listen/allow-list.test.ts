import { describe, expect, test } from "bun:test";
import { isAllowed, parseAddress, parseAllowed } from "../../../src/listen/allow-list.ts";
import { UsageError } from "../../../src/errors.ts";

const nets = (...specs: string[]) => specs.map(parseAllowed);

describe("parseAddress", () => {
  test.each([
    ["127.0.0.1", [127, 0, 0, 1]],
    ["0.0.0.0", [0, 0, 0, 0]],
    ["255.255.255.255", [255, 255, 255, 255]],
  ])("IPv4 %s", (text, bytes) => {
    expect([...parseAddress(text)!]).toEqual(bytes);
  });

  test.each([
    ["::", "00000000000000000000000000000000"],
    ["::1", "00000000000000000000000000000001"],
    ["fe80::1%eth0", "fe800000000000000000000000000001"],
    ["2001:db8::8:800:200c:417a", "20010db80000000000080800200c417a"],
    ["::ffff:10.1.2.3", "00000000000000000000ffff0a010203"],
    ["1:2:3:4:5:6:7:8", "00010002000300040005000600070008"],
  ])("IPv6 %s", (text, hex) => {
    expect(Buffer.from(parseAddress(text)!).toString("hex")).toBe(hex);
  });

  test.each(["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-1", "a.b.c.d", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", ":::", "::g", "localhost"])(
    "rejects %p",
    (text) => {
      expect(parseAddress(text)).toBeUndefined();
    },
  );
});

describe("parseAllowed", () => {
  test("an address alone is a host network", () => {
    expect(parseAllowed("10.0.0.1").prefix).toBe(32);
    expect(parseAllowed("::1").prefix).toBe(128);
  });

  test.each(["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/-1", "nowhere/8", "10.0.0.0/8/8"])("a bad spec %p is one UsageError naming it", (spec) => {
    expect(() => parseAllowed(spec)).toThrow(UsageError);
    expect(() => parseAllowed(spec)).toThrow(`invalid --allow '${spec}'`);
  });
});

describe("isAllowed", () => {
  test("IPv4 prefixes, on byte and bit boundaries", () => {
    const allow = nets("10.0.0.0/8", "192.168.1.128/25");
    expect(isAllowed(allow, "10.255.1.2")).toBe(true);
    expect(isAllowed(allow, "11.0.0.1")).toBe(false);
    expect(isAllowed(allow, "192.168.1.128")).toBe(true);
    expect(isAllowed(allow, "192.168.1.255")).toBe(true);
    expect(isAllowed(allow, "192.168.1.127")).toBe(false);
  });

  test("a host address matches only itself; /0 matches all of its family", () => {
    expect(isAllowed(nets("127.0.0.1"), "127.0.0.1")).toBe(true);
    expect(isAllowed(nets("127.0.0.1"), "127.0.0.2")).toBe(false);
    expect(isAllowed(nets("0.0.0.0/0"), "203.0.113.9")).toBe(true);
    expect(isAllowed(nets("::/0"), "2001:db8::1")).toBe(true);
  });

  test("IPv6 prefixes", () => {
    const allow = nets("2001:db8::/32", "fe80::/10");
    expect(isAllowed(allow, "2001:db8:ffff::1")).toBe(true);
    expect(isAllowed(allow, "2001:db9::1")).toBe(false);
    expect(isAllowed(allow, "febf::1")).toBe(true);
    expect(isAllowed(allow, "fec0::1")).toBe(false);
    expect(isAllowed(allow, "fe80::1%eth0")).toBe(true);
  });

  test("an IPv4 peer on a dual-stack socket (::ffff:a.b.c.d) matches IPv4 networks, and the reverse", () => {
    expect(isAllowed(nets("127.0.0.0/8"), "::ffff:127.0.0.1")).toBe(true);
    expect(isAllowed(nets("127.0.0.0/8"), "::ffff:128.0.0.1")).toBe(false);
    expect(isAllowed(nets("::ffff:10.0.0.0/104"), "10.9.9.9")).toBe(true);
    expect(isAllowed(nets("10.0.0.0/8"), "::1")).toBe(false);
    expect(isAllowed(nets("::1"), "0.0.0.1")).toBe(false);
  });

  test("no network, or a peer address that does not parse, lets nobody in", () => {
    expect(isAllowed([], "127.0.0.1")).toBe(false);
    expect(isAllowed(nets("0.0.0.0/0"), "garbage")).toBe(false);
  });
});
