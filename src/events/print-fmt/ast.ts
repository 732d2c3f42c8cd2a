// The print fmt AST: a discriminated union of C expression nodes.
// Source of truth: libtraceevent include/traceevent/event-parse.h enum tep_print_arg_type,
// reshaped as a conventional expression tree.

export type Expr =
  | { k: "num"; v: bigint; text: string }
  | { k: "str"; v: string }
  | { k: "field"; name: string }
  | { k: "ident"; name: string }
  | { k: "cast"; type: string; e: Expr }
  | { k: "unary"; op: string; e: Expr }
  | { k: "binary"; op: string; l: Expr; r: Expr }
  | { k: "cond"; c: Expr; t: Expr; f: Expr }
  | { k: "index"; e: Expr; i: Expr }
  | { k: "call"; name: string; args: Expr[] }
  | { k: "sizeof"; type: string; field?: string }
  | { k: "list"; items: Expr[] };

/** A parsed `print fmt:` line: the format string (escapes as written) and its arguments. */
export interface PrintFmt {
  fmt: string;
  args: Expr[];
}

/** A helper's field argument: `REC->name` or the bare `name` of `__get_str(name)`. */
export function isFieldRef(e: Expr | undefined): e is { k: "field"; name: string } | { k: "ident"; name: string } {
  return e !== undefined && (e.k === "field" || e.k === "ident");
}
