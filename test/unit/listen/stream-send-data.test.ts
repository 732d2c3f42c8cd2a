import { describe, expect, test } from "bun:test";
import { ProtocolError } from "../../../src/errors.ts";
import { collectSendData, streamSendData } from "../../../src/msg/collect-data.ts";
import type { Message } from "../../../src/msg/messages.ts";

function source(messages: Message[]) {
  const waits: number[] = [];
  const next = async (timeoutMs: number) => {
    waits.push(timeoutMs);
    const m = messages.shift();
    if (!m) throw new ProtocolError("timed out");
    return m;
  };
  return { next, waits };
}

const data = (...bytes: number[]): Message => ({ cmd: "SEND_DATA", data: Uint8Array.from(bytes) });

describe("streamSendData", () => {
  test("hands each payload to the sink as it comes, and counts them", async () => {
    const got: number[][] = [];
    const { next } = source([data(1, 2), data(3), { cmd: "FIN_DATA" }]);
    expect(await streamSendData(next, (d) => got.push([...d]), { maxBytes: 3 })).toBe(3);
    expect(got).toEqual([[1, 2], [3]]);
  });

  test("one byte over the cap is a ProtocolError, and the sink never sees it", async () => {
    const got: number[] = [];
    const { next } = source([data(1, 2), data(3, 4), { cmd: "FIN_DATA" }]);
    await expect(streamSendData(next, (d) => got.push(...d), { maxBytes: 3 })).rejects.toThrow("metadata larger than 3 bytes");
    expect(got).toEqual([1, 2]);
  });

  test("anything but SEND_DATA or FIN_DATA is a ProtocolError", async () => {
    const { next } = source([data(1), { cmd: "CLOSE" }]);
    await expect(streamSendData(next, () => {}, { maxBytes: 100 })).rejects.toThrow("expected SEND_DATA, got CLOSE");
  });

  test("a sink's refusal ends the stream", async () => {
    const { next } = source([data(1), data(2), { cmd: "FIN_DATA" }]);
    const sink = (d: Uint8Array) => {
      if (d[0] === 2) throw new ProtocolError("disk cap");
    };
    await expect(streamSendData(next, sink, { maxBytes: 100 })).rejects.toThrow("disk cap");
  });

  test("each wait is at most the message timeout, and never past the deadline", async () => {
    const { next, waits } = source([data(1), { cmd: "FIN_DATA" }]);
    await streamSendData(next, () => {}, { maxBytes: 100, deadline: Date.now() + 60_000 });
    expect(waits).toEqual([5000, 5000]);
    const late = source([data(1), { cmd: "FIN_DATA" }]);
    const deadline = Date.now() + 1000;
    await streamSendData(late.next, () => {}, { maxBytes: 100, deadline });
    expect(late.waits.every((w) => w <= 1000 && w > 0)).toBe(true);
  });

  test("a stream still going at its deadline is a ProtocolError saying how much arrived", async () => {
    const { next } = source([data(1, 2), data(3), { cmd: "FIN_DATA" }]);
    const slowNext = async (t: number, w: string) => {
      await Bun.sleep(30);
      return next(t);
    };
    await expect(streamSendData(slowNext, () => {}, { maxBytes: 100, deadline: Date.now() + 45 })).rejects.toThrow(/metadata not finished in time \(\d bytes arrived\)/);
  });
});

test("collectSendData joins the payloads", async () => {
  const { next } = source([data(1, 2), data(3), { cmd: "FIN_DATA" }]);
  expect([...(await collectSendData(next, 10))]).toEqual([1, 2, 3]);
});
