// The -F parser: trees as libtraceevent 1.7.1 builds them (expected texts are what
// `trace-cmd report -T -F 'sched_switch: EXPR'` printed for each), its errors, the event list and
// the basic-regex translation, and which -F goes to which input.
import { describe, expect, test } from "bun:test";
import { UsageError } from "../../../src/errors.ts";
import { filterText } from "../../../src/report/filter/ast.ts";
import { filtersByInput } from "../../../src/report/filter/args.ts";
import { eventNames, matchEvents, splitFilter } from "../../../src/report/filter/events.ts";
import { FilterSyntaxError, parseEventFilter, strtoull } from "../../../src/report/filter/parse.ts";
import { compileBasicRegex, RegexError } from "../../../src/report/filter/regex.ts";
import { Tokenizer } from "../../../src/report/filter/tokens.ts";
import { lookupIn, SCHED_SWITCH } from "./filter-fixtures.ts";

const parse = (expr: string) => filterText(parseEventFilter(expr, lookupIn(SCHED_SWITCH)));

/** [expression, what trace-cmd 3.1.6 -T printed for sched_switch]. */
const TREES: [string, string][] = [
  ["prev_pid == 0 || next_pid == 0 && prev_prio > 5", "((prev_pid == 0) || (next_pid == 0)) && (prev_prio > 5)"],
  ["prev_pid == 0 && (next_pid == 0 || prev_prio > 5)", "(prev_pid == 0) && ((next_pid == 0) || (prev_prio > 5))"],
  ["!prev_pid == 0 && next_pid != 1", "(!(prev_pid == 0)) && (next_pid != 1)"],
  ["!(prev_pid == 0 || next_pid == 1) || prev_prio <= 120", "(!((prev_pid == 0) || (next_pid == 1))) || (prev_prio <= 120)"],
  ["prev_pid == -1", "prev_pid - 1"],
  ["prev_pid == 1 foo == 2", "FALSE"],
  ["bogus == 1 || common_pid == 2", "common_pid == 2"],
  ["bogus == 1 && common_pid == 2", "FALSE"],
  ["!(bogus == 1) && common_pid == 2", "common_pid == 2"],
  ["!(bogus == 1) || common_pid == 2", "TRUE"],
  ['prev_comm == "bash" || prev_comm =~ "^k.*" && next_comm != "x"', '((prev_comm == "bash") || (prev_comm =~ "^k.*")) && (next_comm != "x")'],
  ['prev_comm !~ "sh$"', 'prev_comm !~ "sh$"'],
  ['COMM == "bash" && CPU >= 2', '(COMM == "bash") && (CPU >= 2)'],
  ["prev_pid & 0x10", "prev_pid & 16"],
  ["prev_pid + 1", "prev_pid + 1"],
  ["prev_pid == 0x1f || prev_pid == 017 || prev_pid == 19abc", "((prev_pid == 31) || (prev_pid == 15)) || (prev_pid == 19)"],
  ['prev_comm == "ab" "cd"', 'prev_comm == "abcd"'],
  ["prev_comm == 'ab'", 'prev_comm == "ab"'],
  ["prev_comm =~ 'a'", 'prev_comm =~ "a"'],
  ['bogus =~ "["', "FALSE"],
  ["prev_pid >= 18446744073709551615", "prev_pid >= -1"],
  ["prev_pid == 99999999999999999999999", "prev_pid == -1"],
  ["((prev_pid == 1))", "prev_pid == 1"],
  ["!!prev_pid == 1", "!(!(prev_pid == 1))"],
  ["(prev_pid == 1) && !(next_pid == 2 && prev_prio > 3)", "(prev_pid == 1) && (!((next_pid == 2) && (prev_prio > 3)))"],
  ["prev_pid == 1 && next_pid == 2 || prev_prio == 3 && next_prio == 4", "(((prev_pid == 1) && (next_pid == 2)) || (prev_prio == 3)) && (next_prio == 4)"],
  ["prev_pid==1&&next_pid==2", "(prev_pid == 1) && (next_pid == 2)"],
  ['prev_comm == "a\\"b"', 'prev_comm == "a\\"b"'],
];

describe("parseEventFilter() builds libtraceevent's trees", () => {
  test.each(TREES)("%s", (expr, expected) => {
    expect(parse(expr)).toBe(expected);
  });
});

/** [expression, message start, column of the caret (1-based, the last char of the token at fault)]. */
const ERRORS: [string, string, number][] = [
  ["prev_pid == next_pid", "Syntax error", 20],
  ["prev_pid ==", "Syntax error: the expression is incomplete", 11],
  ['prev_comm == "abc', "Syntax error: the expression is incomplete", 17],
  ['prev_comm == "a\\\\"', "Syntax error: the expression is incomplete", 18],
  ["(prev_pid == 1", "Unbalanced number of '('", 14],
  ["prev_pid == 1)", "Unbalanced number of ')'", 14],
  ["", "Syntax error", 0],
  ["prev_pid", "Syntax error", 8],
  ["prev_pid = 1", "Unknown op token =", 10],
  ["prev_pid =~ 1", "Op not allowed with integers", 13],
  ['prev_comm < "a"', "Illegal comparison for string", 15],
  ["1 == prev_pid", "Syntax error", 4],
  ["prev_pid == 1 &&", "Syntax error: the expression is incomplete", 16],
  ["prev_pid == bogus", "Illegal rvalue", 17],
  ["prev_pid == 1 , next_pid == 2", "Illegal token ','", 15],
  ["prev_pid (", "Open paren can not come after item", 10],
  ["prev_pid == 1 (", "Open paren can not come after expression", 15],
  ["prev_pid == 1 && && next_pid == 2", "Syntax error: the expression is incomplete", 33], // trace-cmd: SIGSEGV
  ['prev_comm =~ "\\("', "RegEx '\\(' did not compute", 17],
  ["prev_state == 'R'", "a one-char 'R' is compared as a number", 17],
];

describe("parseEventFilter() errors", () => {
  test.each(ERRORS)("%s", (expr, message, column) => {
    let error: unknown;
    try {
      parse(expr);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FilterSyntaxError);
    expect(error).toBeInstanceOf(UsageError); // exit code 2
    expect((error as FilterSyntaxError).message.startsWith(message)).toBe(true);
    expect((error as FilterSyntaxError).at).toBe(column);
  });

  test("a TRUE left of || decides before the unfinished right is reached, as test_arg() does", () => {
    expect(parse("!(bogus == 1) || prev_pid ==")).toBe("TRUE");
  });
});

describe("Tokenizer", () => {
  const all = (s: string) => {
    const t = new Tokenizer(s);
    const out: string[] = [];
    for (let tok = t.next(); tok.type !== "none"; tok = t.next()) out.push(`${tok.type}:${tok.text}`);
    return out;
  };

  test("operators pair up as __read_token() pairs them", () => {
    expect(all("a>>=b<<c->d&&e||f!=g=~h!~i<=j>=k==l++m--n+=o")).toEqual(
      ["a", ">>=", "b", "<<", "c", "->", "d", "&&", "e", "||", "f", "!=", "g", "=~", "h", "!~", "i", "<=", "j", ">=", "k", "==", "l", "++", "m", "--", "n", "+=", "o"].map(
        (x) => (/^\w/.test(x) ? `item:${x}` : `op:${x}`),
      ),
    );
  });

  test("strings keep backslashes, join when double-quoted, and a tab ends one", () => {
    // The last '"' opens a string the input ends in: "none", the input stops.
    expect(all(`'a\\'b' "x" \n "y" "t\tu"`)).toEqual(["squote:a\\'b", "dquote:xyt", "item:u"]);
  });

  test("a non-ASCII or control char ends the input", () => {
    expect(all("a == 1 é && b")).toEqual(["item:a", "op:==", "item:1"]);
    expect(all("a\u0001b")).toEqual(["item:a"]);
  });
});

test("strtoull() base 0, stopping at a bad digit and saturating", () => {
  expect([strtoull("0x1F"), strtoull("010"), strtoull("08"), strtoull("12ab"), strtoull("0x")]).toEqual([31n, 8n, 0n, 12n, 0n]);
  expect(strtoull("99999999999999999999999")).toBe(0xffffffffffffffffn);
});

describe("event lists", () => {
  const names = [
    { id: 1, system: "sched", name: "sched_switch" },
    { id: 2, system: "sched", name: "sched_wakeup" },
    { id: 3, system: "irq", name: "irq_handler_entry" },
    { id: 4, system: "ftrace", name: "kernel_stack" },
  ];
  const ids = (filter: string) => [...new Set(splitFilter(filter).patterns.flatMap((p) => matchEvents(p, names)).map((e) => e.id))].sort();

  test("a name matches a system or an event, anchored, case-insensitive; SYS/EVENT needs both", () => {
    expect(ids("sched")).toEqual([1, 2]);
    expect(ids("SCHED_SWITCH")).toEqual([1]);
    expect(ids("irq/.*")).toEqual([3]);
    expect(ids(" sched / sched_w.* , kernel_stack : x")).toEqual([2, 4]);
    expect(ids("sched//sched_switch/zzz")).toEqual([1]); // strtok_r: empty parts vanish, a third is ignored
    expect(ids("/irq")).toEqual([3]);
  });

  test("the expression is what follows the first ':'", () => {
    expect(splitFilter("a,b: x == 1")).toEqual({ patterns: [{ event: "a" }, { event: "b" }], expr: " x == 1", exprAt: 4 });
    expect(splitFilter("a").expr).toBeUndefined();
  });

  test("refusals", () => {
    expect(() => ids("nosuch")).toThrow("no event matches 'nosuch'");
    expect(() => ids("sched/nosuch")).toThrow("no event matches 'sched/nosuch'");
    expect(() => splitFilter(": x")).toThrow("no event name before the ':'");
    expect(() => splitFilter("a,,b")).toThrow("an empty event name");
    expect(() => splitFilter('a: x == "1,2"')).toThrow("a ',' after the ':' (at column 11)");
    expect(() => ids("[")).toThrow("invalid event name regex '['");
  });

  test("eventNames() reads name and ID from each format's head, first id wins", () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    const formats = [
      { system: "sched", text: enc("name: sched_switch\nID: 7\nformat:\n") },
      { system: "other", text: enc("name: dup\nID: 7\n") },
      { system: "x", text: enc("no name here") },
    ];
    expect(eventNames(formats)).toEqual([{ id: 7, system: "sched", name: "sched_switch" }]);
  });
});

describe("compileBasicRegex(): POSIX basic syntax", () => {
  const m = (re: string, s: string) => compileBasicRegex(re).test(s);

  test("basic operators", () => {
    expect(m("^k.*r$", "kworker")).toBe(true);
    expect(m("a+", "a+")).toBe(true); // + ? | ( ) { } are literal
    expect(m("a+", "aa")).toBe(false);
    expect(m("a\\+", "aaa")).toBe(true); // GNU \+
    expect(m("\\(ab\\)\\{2\\}", "abab")).toBe(true);
    expect(m("x\\|y", "y")).toBe(true);
    expect(m("(a)", "(a)")).toBe(true);
    expect(m("*a", "*a")).toBe(true); // a leading * is literal
    expect(m("^*a", "*a")).toBe(true);
    expect(m("a^b$c", "a^b$c")).toBe(true); // ^ and $ inside are literal
    expect(m("\\(a\\)\\1", "aa")).toBe(true);
    expect(m("BASH", "bash")).toBe(true);
  });

  test("bracket expressions", () => {
    expect(m("^[[:digit:]]*$", "0123")).toBe(true);
    expect(m("[]a]", "]")).toBe(true);
    expect(m("[^a-c]", "b")).toBe(false);
    expect(m("[a\\]", "\\")).toBe(true); // a backslash is plain inside brackets
    expect(m("[a-]", "-")).toBe(true);
  });

  test("what regcomp() refuses", () => {
    for (const bad of ["[abc", "\\(a", "a\\)", "\\{1\\}", "a\\{x\\}", "[[:nope:]]", "a\\"]) expect(() => compileBasicRegex(bad)).toThrow(RegexError);
    expect(() => compileBasicRegex("[[.a.]]")).toThrow("unsupported");
  });
});

describe("filtersByInput(): trace-cmd's -F lists", () => {
  const lists = (...args: string[]) => {
    const r = filtersByInput(["report", ...args]);
    return r && { lists: r.lists.map((l) => l.map((f) => (f.negate ? `-${f.text}` : f.text))), ignored: r.ignored.map((f) => f.text) };
  };

  test("no -F: undefined", () => {
    expect(lists("-i", "a", "-v")).toBeUndefined();
  });

  test("one input: the global list, which a -F after -i joins only when one came before", () => {
    expect(lists("-F", "x", "-i", "a", "-F", "y")).toEqual({ lists: [["x", "y"]], ignored: [] });
    expect(lists("-i", "a", "-F", "y")).toEqual({ lists: [[]], ignored: ["y"] });
    expect(lists("-F", "x")).toEqual({ lists: [["x"]], ignored: [] });
  });

  test("several inputs: the first takes the filters before and after it, each later one its own", () => {
    expect(lists("-F", "x", "-i", "a", "-F", "y", "-i", "b", "-F", "z")).toEqual({ lists: [["x", "y"], ["z"]], ignored: [] });
    expect(lists("-i", "a", "-i", "b", "-F", "z")).toEqual({ lists: [[], ["z"]], ignored: [] });
  });

  test("-v negates the -F after it; a second -v is refused", () => {
    expect(lists("-F", "x", "-v", "-F", "y", "-i", "a")).toEqual({ lists: [["x", "-y"]], ignored: [] });
    expect(() => lists("-v", "-v")).toThrow("only one -v");
    expect(() => lists("-F")).toThrow("-F needs a filter");
    expect(() => lists("-F=sched")).toThrow("write -F and its filter as two arguments: -F '=sched'");
  });
});
