// StreamHeap: smallest timestamp first, ties by stream index (trace-cmd's first-minimum scan order),
// numbers and bigints mixed.

import { expect, test } from "bun:test";
import { StreamHeap } from "../../../src/report/kway.ts";

function mergeOrder(lists: (number | bigint)[][]): [number, number | bigint][] {
  const streams = lists.map((l) => ({ ts: l[0]!, at: 0, list: l }));
  const heap = new StreamHeap(streams);
  streams.forEach((s, i) => s.list.length && heap.push(i));
  const out: [number, number | bigint][] = [];
  for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
    const s = streams[top]!;
    out.push([top, s.ts]);
    if (++s.at < s.list.length) {
      s.ts = s.list[s.at]!;
      heap.replaceTop();
    } else heap.popTop();
  }
  return out;
}

test("StreamHeap merges by timestamp and breaks ties by stream index", () => {
  expect(mergeOrder([[1, 5, 5], [1, 2, 5], [0, 5]])).toEqual([
    [2, 0],
    [0, 1],
    [1, 1],
    [1, 2],
    [0, 5],
    [0, 5],
    [1, 5],
    [2, 5],
  ]);
});

test("StreamHeap compares numbers with bigints exactly", () => {
  const big = 2n ** 60n;
  expect(mergeOrder([[big + 1n], [big], [5, 2 ** 53]]).map(([i]) => i)).toEqual([2, 2, 1, 0]);
});

test("StreamHeap matches a stable sort on random streams", () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 50);
  const lists = Array.from({ length: 9 }, () => Array.from({ length: 40 }, rand).sort((a, b) => a - b));
  const expected = lists.flatMap((l, i) => l.map((ts) => [i, ts] as [number, number])).sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  expect(mergeOrder(lists)).toEqual(expected);
});
