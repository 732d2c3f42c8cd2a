// POSIX basic regular expressions (what regcomp() compiles without REG_EXTENDED) as JS RegExps.
// libtraceevent compiles both event names and "=~" strings with regcomp(REG_ICASE|REG_NOSUB): basic
// syntax, case-insensitive, and only "is there a match" is asked, so POSIX leftmost-longest versus
// JS leftmost-first never shows.
// Source of truth: glibc regcomp.c with RE_SYNTAX_POSIX_BASIC (\( \) groups, \{m,n\}, GNU \| \+ \?,
// "*" literal where nothing precedes it, "^"/"$" anchors only at the ends of the pattern or a group).

export class RegexError extends Error {}

const CLASSES: Record<string, string> = {
  alpha: "a-zA-Z",
  digit: "0-9",
  alnum: "a-zA-Z0-9",
  upper: "A-Z",
  lower: "a-z",
  space: " \\t\\n\\r\\f\\v",
  blank: " \\t",
  punct: "!-\\/:-@\\[-`{-~",
  print: " -~",
  graph: "!-~",
  cntrl: "\\x00-\\x1f\\x7f",
  xdigit: "0-9A-Fa-f",
};

/** GNU escapes with a meaning in basic syntax; any other escaped char stands for itself. */
const ESCAPES: Record<string, string> = {
  w: "[a-zA-Z0-9_]",
  W: "[^a-zA-Z0-9_]",
  s: "\\s",
  S: "\\S",
  b: "\\b",
  B: "\\B",
  "<": "\\b(?=\\w)",
  ">": "\\b(?<=\\w)",
  "`": "^",
  "'": "$",
  "(": "(",
  ")": ")",
  "|": "|",
  "+": "+",
  "?": "?",
};

/** Compiles a basic regular expression, case-insensitive. Throws RegexError when regcomp() would fail. */
export function compileBasicRegex(pattern: string): RegExp {
  const source = translate(pattern);
  try {
    return new RegExp(source, "i");
  } catch (e) {
    throw new RegexError((e as Error).message);
  }
}

function translate(p: string): string {
  let out = "";
  let depth = 0;
  /** True where "*" has nothing to repeat and "^" is an anchor: the start, after \( or \|. */
  let atStart = true;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    const start: boolean = atStart;
    atStart = false;
    if (c === "\\") {
      const n = p[++i];
      if (n === undefined) throw new RegexError("trailing backslash");
      if (n === "(") depth++;
      if (n === ")" && depth-- === 0) throw new RegexError("unmatched \\)");
      if (n === "{") {
        if (start) throw new RegexError("invalid preceding regular expression");
        const close = p.indexOf("\\}", i);
        const body = close < 0 ? "" : p.slice(i + 1, close);
        if (!/^\d+(,\d*)?$/.test(body)) throw new RegexError("invalid content of \\{\\}");
        out += `{${body}}`;
        i = close + 1;
        continue;
      }
      if (/[1-9]/.test(n)) out += `\\${n}`;
      else out += ESCAPES[n] ?? escapeLiteral(n);
      atStart = n === "(" || n === "|";
    } else if (c === "[") {
      i = bracket(p, i, (s) => (out += s));
    } else if (c === "*") {
      out += start ? "\\*" : "*";
    } else if (c === "^") {
      out += start ? "^" : "\\^";
      atStart = start;
    } else if (c === "$") {
      out += endsHere(p, i) ? "$" : "\\$";
    } else if (c === ".") {
      out += "[^]";
    } else {
      out += escapeLiteral(c);
    }
  }
  if (depth !== 0) throw new RegexError("unmatched \\(");
  return out;
}

/** "$" is an anchor at the end of the pattern or before \) or \|. */
function endsHere(p: string, i: number): boolean {
  return i === p.length - 1 || p.startsWith("\\)", i + 1) || p.startsWith("\\|", i + 1);
}

function escapeLiteral(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}

/** A bracket expression from p[i] = "["; emits its JS class and returns the index of its "]". */
function bracket(p: string, i: number, emit: (s: string) => void): number {
  let j = i + 1;
  let negate = false;
  if (p[j] === "^") {
    negate = true;
    j++;
  }
  let body = "";
  for (let first = true; ; first = false) {
    const c = p[j];
    if (c === undefined) throw new RegexError("unmatched [");
    if (c === "]" && !first) break;
    if (c === "[" && (p[j + 1] === ":" || p[j + 1] === "." || p[j + 1] === "=")) {
      const kind = p[j + 1]!;
      const close = p.indexOf(`${kind}]`, j + 2);
      if (close < 0) throw new RegexError("unmatched [");
      const name = p.slice(j + 2, close);
      if (kind !== ":") throw new RegexError(`unsupported [${kind}${name}${kind}] in a bracket expression`);
      const cls = CLASSES[name];
      if (cls === undefined) throw new RegexError(`invalid character class '${name}'`);
      body += cls;
      j = close + 2;
      continue;
    }
    // Inside brackets a backslash is an ordinary char.
    body += c === "-" && !first && p[j + 1] !== "]" ? "-" : /[\\\]^[-]/.test(c) ? `\\${c}` : c;
    j++;
  }
  emit(`[${negate ? "^" : ""}${body}]`);
  return j;
}
