// infoMode(): trace-cmd's first-mode-wins order.
import { expect, test } from "bun:test";
import { infoMode } from "../../../../src/report/info/index.ts";

test("infoMode() picks modes in trace-cmd's order", () => {
  expect(infoMode({})).toBeUndefined();
  expect(infoMode({ e: true, events: true, f: true })).toBe("endian");
  expect(infoMode({ events: true, event: "sched" })).toBe("events");
  expect(infoMode({ event: "sched", checkEvents: true })).toBe("event");
  expect(infoMode({ checkEvents: true, f: true })).toBe("check-events");
  expect(infoMode({ f: true, P: true, E: true })).toBe("funcs");
  expect(infoMode({ P: true, E: true })).toBe("printk");
  expect(infoMode({ E: true, cpus: true })).toBe("event-list");
  expect(infoMode({ lastEvent: true, stat: true })).toBe("cpus");
  expect(infoMode({ stat: true, uname: true, version: true })).toBe("version");
  expect(infoMode({ stat: true, uname: true })).toBe("uname");
  expect(infoMode({ stat: true })).toBe("stat");
});
