// Which -F filters apply to which input file, from the order of -i, -F and -v on the command line.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-read.c add_filter(), add_first_input(),
// add_input() and process_filters(). Filters before any -i go to a global list; the first -i
// shares that list (when it has filters) so later -F extend both; each later -i starts its own.
// A single input uses the global list, so with no -F before -i, a -F after it is ignored; with
// several inputs, each uses its own list.

import { UsageError } from "../../errors.ts";
import type { FilterSpec } from "./filter-set.ts";

export interface FiltersByInput {
  /** Per input, in -i order (one entry for the default input when there is no -i). */
  lists: FilterSpec[][];
  /** Filters given but used by no input (trace-cmd ignores them silently). */
  ignored: FilterSpec[];
}

/** An -i FILE / --input FILE / --input=FILE argument. */
export const isInputArg = (a: string) => a === "-i" || a === "--input" || a.startsWith("--input=");

/** undefined when there is no -F. */
export function filtersByInput(rawArgs: readonly string[]): FiltersByInput | undefined {
  const global: FilterSpec[] = [];
  const inputs: FilterSpec[][] = [];
  const all: FilterSpec[] = [];
  let negate = false;
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === "--") break;
    if (isInputArg(arg)) inputs.push(inputs.length === 0 && global.length > 0 ? global : []);
    if (arg === "-v") {
      if (negate) throw new UsageError("only one -v can be used (the -F filters after it are all negated)");
      negate = true;
    }
    // getopt would take "-FX" as the filter "X", but cac has already split it into flags.
    if (arg.startsWith("-F") && arg !== "-F") throw new UsageError(`write -F and its filter as two arguments: -F '${arg.slice(2)}'`);
    if (arg !== "-F") continue;
    const text = rawArgs[++i];
    if (text === undefined) throw new UsageError("-F needs a filter");
    const spec = { text, negate };
    all.push(spec);
    (inputs.at(-1) ?? global).push(spec);
  }
  if (all.length === 0) return undefined;
  const lists = inputs.length > 1 ? inputs : [global];
  const used = new Set(lists.flat());
  return { lists, ignored: all.filter((s) => !used.has(s)) };
}
