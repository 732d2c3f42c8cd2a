import { describe, expect, test } from "bun:test";
import { MAX_BUFFERED_INPUT, StreamChannel } from "../../../src/transport/stream-channel.ts";

function channel(): StreamChannel {
  return new StreamChannel({ write: (b) => b.length, end: () => undefined }, "test");
}

function bytes(from: number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);
}

describe("StreamChannel input buffer", () => {
  test("bytes come out in order across growth, in-place compaction and reads of every size", async () => {
    const ch = channel();
    let fed = 0;
    let read = 0;
    for (const [chunk, take] of [[10, 3], [70_000, 50_000], [30_000, 40_000], [200_000, 200_000], [5, 12]] as const) {
      ch.onData(bytes(fed, chunk));
      fed += chunk;
      const got = await ch.readExact(take, 1000, "bytes");
      expect(got).toEqual(bytes(read, take));
      read += take;
      expect(ch.buffered).toBe(fed - read);
    }
  });

  test("onRoom fires when a read takes the held input below the limit, so a pull-driven reader resumes", async () => {
    const ch = channel();
    let calls = 0;
    ch.onRoom = () => calls++;
    ch.onData(new Uint8Array(MAX_BUFFERED_INPUT + 10));
    await ch.readExact(5, 1000, "bytes");
    expect(calls).toBe(0); // still at or above the limit
    await ch.readExact(10, 1000, "bytes");
    expect(calls).toBe(1);
    await ch.readExact(10, 1000, "bytes");
    expect(calls).toBe(1);
  });
});
