// syscalls:sys_enter_futex handler of plugin_futex.so: names the futex command and prints only the
// arguments that command uses.
// Source of truth: libtraceevent 1.7.1 plugins/plugin_futex.c; FUTEX_* values from linux/futex.h.

import { PluginText } from "./read.ts";
import type { PluginHandler } from "./types.ts";

const FUTEX_PRIVATE_FLAG = 128n;
const FUTEX_CLOCK_REALTIME = 256n;
const FUTEX_CMD_MASK = ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);

type Fmt = "hex" | "dec" | undefined;
/** name, then how val, utime (val2), uaddr2 and val3 print. */
const FUTEX_OPS: [string, Fmt, Fmt, Fmt, Fmt][] = [
  ["FUTEX_WAIT", "hex", "hex", undefined, undefined],
  ["FUTEX_WAKE", "dec", undefined, undefined, undefined],
  ["FUTEX_FD", "dec", undefined, undefined, undefined],
  ["FUTEX_REQUEUE", "dec", "dec", "hex", undefined],
  ["FUTEX_CMP_REQUEUE", "dec", "dec", "hex", "hex"],
  ["FUTEX_WAKE_OP", "dec", "dec", "hex", "hex"],
  ["FUTEX_LOCK_PI", undefined, "hex", undefined, undefined],
  ["FUTEX_UNLOCK_PI", undefined, undefined, undefined, undefined],
  ["FUTEX_TRYLOCK_PI", undefined, undefined, undefined, undefined],
  ["FUTEX_WAIT_BITSET", "hex", "hex", undefined, "hex"],
  ["FUTEX_WAKE_BITSET", "dec", undefined, undefined, "hex"],
  ["FUTEX_WAIT_REQUEUE_PI", "hex", "hex", "hex", "hex"],
  ["FUTEX_CMP_REQUEUE_PI", "dec", "dec", "hex", "hex"],
];

const hex08 = (v: bigint) => `0x${v.toString(16).padStart(8, "0")}`;

function arg(label: string, fmt: Fmt, v: bigint): string {
  if (fmt === undefined) return "";
  return ` ${label}=${fmt === "hex" ? hex08(v) : v.toString()}`;
}

export const sysEnterFutex: PluginHandler = (r, ctx) => {
  const t = new PluginText(r, ctx);
  const v: (bigint | undefined)[] = [];
  for (const n of ["uaddr", "op", "val", "utime", "uaddr2", "val3"]) {
    const x = t.val(n, true);
    if (x === undefined) return { text: t.s, thenPrettyPrint: true };
    v.push(x);
  }
  const [uaddr, op, val, utime, uaddr2, val3] = v as bigint[];
  const entry = FUTEX_OPS[Number(op! & FUTEX_CMD_MASK & 0xffffn)];
  if ((op! & FUTEX_CMD_MASK) >= BigInt(FUTEX_OPS.length) || !entry) return { text: "", thenPrettyPrint: true };
  const [name, fVal, fUtime, fUaddr2, fVal3] = entry;
  let s = `op=${name}`;
  if (op! & FUTEX_PRIVATE_FLAG) s += "|FUTEX_PRIVATE_FLAG";
  if (op! & FUTEX_CLOCK_REALTIME) s += "|FUTEX_CLOCK_REALTIME";
  s += ` uaddr=${hex08(uaddr!)}`;
  const label = fUtime === "dec" ? "val2" : "utime";
  s += arg("val", fVal, val!) + arg(label, fUtime, utime!) + arg("uaddr2", fUaddr2, uaddr2!) + arg("val3", fVal3, val3!);
  return { text: s, thenPrettyPrint: false };
};
