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

const OPS3 = new Set(["<<=", ">>=", "..."]);
const OPS2 = new Set(["->", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "++", "--", "+=", "-=", "*=", "/=", "&=", "|=", "^="]);
const OPS1 = "+-*/%&|^!~<>?:=.,()[]{};#";
/** Sticky: they match at lastIndex, so no token needs a copy of the rest of the format. */
const NUMBER = /(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*/y;
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;

export function lexPrintFmt(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const code = src.charCodeAt(i);
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
    } else if (c === '"' || c === "'") {
      const [text, next] = readQuoted(src, i);
      out.push({ kind: c === '"' ? "str" : "char", text });
      i = next;
    } else if (code >= 48 && code <= 57) {
      i = sticky(NUMBER, src, i, "num", out);
    } else if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95) {
      i = sticky(IDENT, src, i, "ident", out);
    } else {
      const op = OPS3.has(src.slice(i, i + 3)) ? src.slice(i, i + 3) : OPS2.has(src.slice(i, i + 2)) ? src.slice(i, i + 2) : undefined;
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

/** Pushes the token `re` matches at i; returns the index after it. */
function sticky(re: RegExp, src: string, i: number, kind: "num" | "ident", out: Token[]): number {
  re.lastIndex = i;
  const text = re.exec(src)![0];
  out.push({ kind, text });
  return i + text.length;
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
