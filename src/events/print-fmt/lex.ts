// Tokenizer for the kernel `print fmt:` language (a C expression list after a string).
// Source of truth: libtraceevent src/event-parse.c __read_token(): strings end at the first
// non-printable character other than a newline (a raw TAB makes the whole format fail), escapes
// stay as written.

import { FormatError } from "../../errors.ts";

export type Token =
  | { kind: "str"; text: string }
  | { kind: "char"; text: string }
  | { kind: "num"; text: string }
  | { kind: "ident"; text: string }
  | { kind: "op"; text: string }
  | { kind: "eof"; text: "" };

const OPS3 = ["<<=", ">>=", "..."];
const OPS2 = ["->", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "++", "--", "+=", "-=", "*=", "/=", "&=", "|=", "^="];
const OPS1 = "+-*/%&|^!~<>?:=.,()[]{};#";

export function lexPrintFmt(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
    } else if (c === '"' || c === "'") {
      const [text, next] = readQuoted(src, i);
      out.push({ kind: c === '"' ? "str" : "char", text });
      i = next;
    } else if (/[0-9]/.test(c)) {
      const m = /^(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*/.exec(src.slice(i))!;
      out.push({ kind: "num", text: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      out.push({ kind: "ident", text: m[0] });
      i += m[0].length;
    } else {
      const op = OPS3.find((o) => src.startsWith(o, i)) ?? OPS2.find((o) => src.startsWith(o, i));
      if (op) {
        out.push({ kind: "op", text: op });
        i += op.length;
      } else if (OPS1.includes(c)) {
        out.push({ kind: "op", text: c });
        i++;
      } else {
        throw new FormatError(`cannot tokenize print fmt at offset ${i}: unexpected '${c}'`, { offset: i });
      }
    }
  }
  out.push({ kind: "eof", text: "" });
  return out;
}

function readQuoted(src: string, start: number): [string, number] {
  const q = src[start]!;
  let i = start + 1;
  let text = "";
  while (i < src.length) {
    const c = src[i]!;
    if (c === "\\" && i + 1 < src.length) {
      text += c + src[i + 1]!;
      i += 2;
      continue;
    }
    if (c === q) return [text, i + 1];
    const code = c.charCodeAt(0);
    if ((code < 0x20 && c !== "\n") || code >= 0x7f) {
      throw new FormatError(`cannot tokenize print fmt: non-printable character in string at offset ${i}`, {
        offset: i,
      });
    }
    text += c;
    i++;
  }
  throw new FormatError(`cannot tokenize print fmt: unterminated string at offset ${start}`, { offset: start });
}
