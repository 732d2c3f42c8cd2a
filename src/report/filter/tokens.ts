// The filter expression's tokens, split as libtraceevent splits them.
// Source of truth: libtraceevent 1.7.1 src/event-parse.c get_type(), __read_token(), and
// src/parse-filter.c filter_read_token() ("=" or "!" followed by "~" become "=~" / "!~").

export type TokenType = "item" | "squote" | "dquote" | "op" | "delim" | "none";

export interface Token {
  type: TokenType;
  text: string;
  /** Index just past the token: where libtraceevent's show_error() puts its caret. */
  end: number;
}

type CharType = TokenType | "space" | "newline";

/** What __read_token() returns: also the spaces and newlines that filter_read_token() skips. */
interface RawToken extends Omit<Token, "type"> {
  type: CharType;
}

/** get_type(): a negative char (a byte >= 0x80 as C's signed char) or a non-printable one ends the input. */
function charType(code: number): CharType {
  if (code === 10) return "newline";
  if (isSpace(code)) return "space";
  if ((code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95) return "item";
  if (code === 39) return "squote";
  if (code === 34) return "dquote";
  if (code < 32 || code >= 127) return "none";
  if (code === 40 || code === 41 || code === 44) return "delim";
  return "op";
}

const isPrint = (code: number) => code >= 32 && code < 127;
const isSpace = (code: number) => code === 32 || (code >= 9 && code <= 13);

export class Tokenizer {
  #pos = 0;

  constructor(readonly input: string) {}

  /** filter_read_token(): the next token, skipping spaces and newlines. */
  next(): Token {
    let tok = this.#read();
    while (tok.type === "space" || tok.type === "newline") tok = this.#read();
    if (tok.type === "op" && (tok.text === "=" || tok.text === "!") && this.#peek() === 126) {
      this.#pos++;
      return { type: "op", text: `${tok.text}~`, end: this.#pos };
    }
    return { ...tok, type: tok.type };
  }

  #peek(): number {
    return this.#pos < this.input.length ? this.input.charCodeAt(this.#pos) : -1;
  }

  #token(type: CharType, start: number): RawToken {
    return { type, text: this.input.slice(start, this.#pos), end: this.#pos };
  }

  /** __read_token(). */
  #read(): RawToken {
    const start = this.#pos;
    const ch = this.#peek();
    if (ch < 0) return { type: "none", text: "", end: start };
    const type = charType(ch);
    if (type === "none") return { type: "none", text: "", end: start };
    this.#pos++;
    if (type === "newline" || type === "delim") return this.#token(type, start);
    if (type === "op") return this.#readOp(ch, start);
    if (type === "squote" || type === "dquote") return this.#readQuoted(ch, type);
    while (this.#pos < this.input.length && charType(this.#peek()) === type) this.#pos++;
    return this.#token(type, start);
  }

  /** "->", doubled "++ -- || && >> <<", then an optional "=" after ! = < > << >> and the singles above. */
  #readOp(ch: number, start: number): RawToken {
    const next = this.#peek();
    const doubles = ch === 43 || ch === 45 || ch === 124 || ch === 38 || ch === 62 || ch === 60; // + - | & > <
    if (ch === 45 && next === 62) {
      this.#pos++;
      return this.#token("op", start);
    }
    if (doubles && next === ch) {
      this.#pos++;
      if (ch !== 62 && ch !== 60) return this.#token("op", start);
    } else if (!doubles && ch !== 33 && ch !== 61) {
      return this.#token("op", start);
    }
    if (this.#peek() === 61) this.#pos++;
    return this.#token("op", start);
  }

  /**
   * A quoted string without its quotes; backslashes are kept as written (a backslash only stops the
   * quote from ending the string). Adjacent double-quoted strings are joined. A string cut by the end
   * of the input or a byte >= 0x80 makes the token "none" (the input ends there).
   */
  #readQuoted(quote: number, type: "squote" | "dquote"): Token {
    let text = "";
    for (;;) {
      // A char after a backslash never ends the string. (libtraceevent's "\\ cancels itself" reset
      // is overwritten before it is read, so it changes nothing.)
      let last = 0;
      for (;;) {
        const ch = this.#peek();
        if (ch < 0 || ch >= 128) {
          this.#pos = this.input.length;
          return { type: "none", text: "", end: this.#pos };
        }
        this.#pos++;
        if (!((ch !== quote && isPrint(ch)) || last === 92 || ch === 10)) break;
        text += String.fromCharCode(ch);
        last = ch;
      }
      if (type !== "dquote") break;
      let j = this.#pos;
      while (j < this.input.length && isSpace(this.input.charCodeAt(j))) j++;
      if (this.input.charCodeAt(j) !== 34) break;
      this.#pos = j + 1;
    }
    return { type, text, end: this.#pos };
  }
}
