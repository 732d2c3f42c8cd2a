// -f, -P, -E and --check-events on synthetic metadata: libtraceevent's parsing and ordering rules.
import { expect, test } from "bun:test";
import { EDGE, fmt, open, run } from "./helpers.ts";

const files = (version: 6 | 7) => [{ path: "x.dat", dat: open(version === 6 ? { version, ...EDGE } : { version, compression: "zstd", ...EDGE }) }];

test.each([6, 7] as const)("-f v%d: sorted by address, symbols sharing one in reverse file order, A/a and $ skipped, modules", (v) => {
  expect(run({ f: true }, files(v)).text).toBe(
    "ffffffff81000000 aliased\nffffffff81000000 _stext\nffffffff81000000 _text\nffffffff81000005 early\n" +
      "ffffffffc0000000 nf_hook [nf_tables]\nffffffffc0000010 modfn\nffffffffc0000020 modfn2 [ spaced]\n",
  );
});

test("-f stops at the first kallsyms line it cannot parse", () => {
  const dat = open({ version: 6, ...EDGE, kallsyms: "ffffffff81000000 T a\nffffffff81000001 T\nffffffff81000002 T c\n" });
  expect(run({ f: true }, [{ path: "x", dat }]).text).toBe("ffffffff81000000 a\n");
});

test("-P: quotes and a trailing \\n stripped, duplicates kept, one char after the colon dropped", () => {
  expect(run({ P: true }, files(6)).text).toBe(
    "ffffffff82000000 dup\nffffffff82000000 world\nffffffff82000008 noquote\nffffffff82000010 hello\nffffffff82000020 \n",
  );
});

test("-P: a line of colons ends the list with a warning", () => {
  const r = run({ P: true }, [{ path: "x", dat: open({ version: 7, compression: "none", ...EDGE, printk: ':::\nffff: "x"\n' }) }]);
  expect(r.text).toBe("");
  expect(r.warnings).toEqual(["printk format with empty entry"]);
});

test.each([6, 7] as const)("-E v%d: system, name, id order; formats without a readable name or ID left out", (v) => {
  expect(run({ E: true }, files(v)).text).toBe(
    "alpha:beta\nalpha:beta\nalpha:zeta\ndemo_sys:demo\nftrace:function\nftrace:print\nirq:softirq_entry\nsched:Sched_Zed\nsched:sched_switch\nsched:sched_wakeup\n",
  );
});

test("--check-events: EINVAL when a name or ID is unreadable, 0 when only fields are bad", () => {
  expect(run({ checkEvents: true }, files(6)).exitCode).toBe(22);
  const ok = open({ version: 6, buffers: [{ name: "", cpus: [] }], extraSystems: [{ name: "s", formats: [fmt("a", 1, "\tgarbage\n"), fmt("b", "0x10")] }] });
  expect(run({ checkEvents: true }, [{ path: "x", dat: ok }]).exitCode).toBe(0);
  const negative = open({ version: 6, buffers: [{ name: "", cpus: [] }], extraSystems: [{ name: "s", formats: [fmt("a", 4294967295)] }] });
  expect(run({ checkEvents: true }, [{ path: "x", dat: negative }]).exitCode).toBe(22);
});
