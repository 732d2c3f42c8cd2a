import { expect, test } from "bun:test";
import { formatBytes, formatProgressLine, ProgressLine } from "../../../src/recorder/progress.ts";

test("formatProgressLine() shows bytes and events per CPU and the lost total", () => {
  expect(formatProgressLine([{ bytes: 2048, events: 1234, lost: 1 }, { bytes: 5 * 1024 * 1024, events: 7, lost: 2 }], 1500)).toBe(
    "recording 1.5s | cpu0 2.0 KiB 1,234 ev | cpu1 5.0 MiB 7 ev | lost 3",
  );
  expect(formatBytes(3 * 1024 ** 3)).toBe("3.00 GiB");
});

test("ProgressLine stays silent when the stream is not a terminal", () => {
  const written: string[] = [];
  const piped = new ProgressLine({ isTTY: false, write: (s) => written.push(s) });
  piped.show("x");
  piped.clear();
  const tty = new ProgressLine({ isTTY: true, write: (s) => written.push(s) });
  tty.show("y");
  tty.clear();
  expect(written).toEqual(["\r\x1b[Ky", "\r\x1b[K"]);
});
