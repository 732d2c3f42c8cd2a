import { describe, expect, test } from "bun:test";
import { GOLDEN } from "./_golden-cases.ts";
import { hex, printer } from "./_golden.ts";

describe("EventCatalog.formatInfo() golden vectors", () => {
  test.each(GOLDEN.map((c) => [c.what, c] as const))("formatInfo() %s", (_what, c) => {
    const p = printer(c.fields, c.fmt, { littleEndian: c.littleEndian, longSize: c.longSize, system: c.system, name: c.name });
    const payload = hex(c.payload);
    const got = { info: p.info(payload), ...(c.raw !== undefined ? { raw: p.raw(payload) } : {}) };
    expect(got).toEqual({ info: c.info, ...(c.raw !== undefined ? { raw: c.raw } : {}) });
    expect(p.written(payload)).toEqual([c.info, c.info]);
  });
});
