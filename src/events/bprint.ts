// ftrace:bprint: the kernel stores a pointer to the printk format plus a vbin_printf() argument
// buffer; libtraceevent rebuilds "%ps: <fmt>" and an argument list for every record.
// Source of truth: libtraceevent 1.7.1 src/event-parse.c get_bprint_format(), make_bprint_args()
// (numbers 4-byte aligned, sized by length modifier; strings NUL-terminated and unaligned).

import { cString, readU, type Rec } from "./field-info.ts";
import type { Expr, PrintFmt } from "./print-fmt/ast.ts";

export interface BprintFields {
  ip: { offset: number; size: number };
  fmt: { offset: number; size: number };
  buf: { offset: number };
}

export function bprintFmt(r: Rec, f: BprintFields, printk: Map<bigint, string>, longSize: number): PrintFmt {
  const addr = readU(r, f.fmt.offset, f.fmt.size);
  const found = printk.get(addr);
  const fmt = found === undefined ? `%ps: (NO FORMAT FOUND at ${addr.toString(16)})\n` : `%ps: ${found}`;
  const ip = readU(r, f.ip.offset, f.ip.size);
  const args: Expr[] = [num(ip), ...bprintArgs(r, fmt, f.buf.offset, longSize)];
  return { fmt, args };
}

function num(v: bigint): Expr {
  return { k: "num", v, text: BigInt.asIntN(64, v).toString() };
}

function isPrint(c: number | undefined): boolean {
  return c !== undefined && c >= 0x20 && c < 0x7f;
}

function isAlnum(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9]/.test(c);
}

function bprintArgs(r: Rec, fmt: string, start: number, longSize: number): Expr[] {
  const args: Expr[] = [];
  const end = r.bytes.length;
  let b = start;
  const readNum = (vsize: number) => {
    b = (b + 3) & ~3;
    args.push(num(readU(r, b, vsize)));
    b += vsize;
  };
  const readStr = () => {
    const s = cString(r.bytes, b);
    args.push({ k: "str", v: s });
    b += new TextEncoder().encode(s).length + 1;
  };
  for (let p = 5; p < fmt.length && b < end; p++) {
    if (fmt[p] !== "%") continue;
    let ls = 0;
    for (;;) {
      p++;
      const c = fmt[p];
      if (c === "l") ls++;
      else if (c === "L") ls = 2;
      else if (c === "z" || c === "Z") ls = 1;
      else if (c !== undefined && "0123456789.#+".includes(c)) continue;
      else if (c === "*") {
        readNum(4);
        continue;
      } else if (c === "p") {
        ls = 1;
        const n = fmt[p + 1];
        if (isAlnum(n)) {
          p++;
          const special = n === "s" || n === "S" || n === "x" || ((n === "f" || n === "F") && fmt[p + 1] !== "w");
          if (!special && isPrint(r.bytes[b])) {
            readStr();
            break;
          }
        }
        readNum(ls === 1 ? longSize : 8);
        break;
      } else if (c !== undefined && "duixXo".includes(c)) {
        readNum(ls === 0 ? 4 : ls === 1 ? longSize : ls === 2 ? 8 : ls);
        break;
      } else if (c === "s") {
        readStr();
        break;
      } else break;
      if (c === "l" || c === "L" || c === "z" || c === "Z") continue;
    }
  }
  return args;
}
