// A file's -F filters built for its events, and the per-handle decision "is this record shown".
// Source of truth: trace-cmd 3.1.6 lib/trace-cmd/trace-filter.c tracecmd_filter_add() and
// tracecmd_filter_match() (any -F matching shows a record, any -v -F matching hides it; a
// kernel_stack/user_stack record follows the last record shown on its cpu), and libtraceevent 1.7.1
// src/parse-filter.c tep_filter_add_filter_str() / tep_filter_match() (one tree per listed event).

import { UsageError } from "../../errors.ts";
import { toFieldInfo } from "../../events/field-info.ts";
import type { EventFormat } from "../../events/format.ts";
import { TRUE, type FieldRef, type Node } from "./ast.ts";
import { eventNames, matchEvents, splitFilter, type EventName } from "./events.ts";
import { compileTest, EVAL_FAILED, FilterRecord, type RecordTest } from "./match.ts";
import { FilterSyntaxError, parseEventFilter } from "./parse.ts";

/** One -F as given; negate: it came after -v. */
export interface FilterSpec {
  text: string;
  negate: boolean;
}

/** What a file offers the filters: its event names and, on demand, their formats. */
export interface FilterFile {
  formats: Iterable<{ system: string; text: Uint8Array }>;
  event(id: number): EventFormat | undefined;
  longSize: number;
}

/** One -F for one file: a test per event id (a tep_event_filter). */
type EventTests = (RecordTest | undefined)[];

export interface FileFilters {
  positive: EventTests[];
  negative: EventTests[];
  /** ids of ftrace/kernel_stack and ftrace/user_stack. */
  stackIds: number[];
}

/** Builds every filter for one file; a filter that does not parse throws a UsageError naming it. */
export function buildFileFilters(specs: readonly FilterSpec[], file: FilterFile): FileFilters {
  const names = eventNames(file.formats);
  const out: FileFilters = { positive: [], negative: [], stackIds: stackIds(names) };
  for (const spec of specs) {
    const tests = withFilterName(spec.text, () => buildOne(spec.text, names, file));
    (spec.negate ? out.negative : out.positive).push(tests);
  }
  return out;
}

function buildOne(text: string, names: readonly EventName[], file: FilterFile): EventTests {
  const { patterns, expr, exprAt } = splitFilter(text);
  const events = patterns.flatMap((p) => matchEvents(p, names));
  const tests: EventTests = [];
  for (const { id } of events) {
    const format = file.event(id);
    if (!format) continue; // a format that does not parse: libtraceevent has no such event either
    let tree: Node = TRUE;
    try {
      if (expr !== undefined) tree = parseEventFilter(expr, fieldLookup(format, file.longSize));
      tests[id] = compileTest(tree);
    } catch (e) {
      if (e instanceof FilterSyntaxError) throw new UsageError(`${e.message} (at column ${exprAt + e.at})`);
      if (e instanceof UsageError) throw new UsageError(`${e.message} (event ${format.system}/${format.name})`);
      throw e;
    }
  }
  return tests;
}

function withFilterName<T>(text: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`invalid filter '${text}': ${e.message}`);
    throw e;
  }
}

/** tep_find_any_field(): a common field or the event's own, by name, as the parser resolves names. */
export function fieldLookup(format: EventFormat, longSize: number): (name: string) => FieldRef | undefined {
  return (name) => {
    const f = format.commonFields.find((c) => c.name === name) ?? format.fields.find((c) => c.name === name);
    return f ? { kind: "field", name, info: toFieldInfo(f, longSize) } : undefined;
  };
}

function stackIds(names: readonly EventName[]): number[] {
  return names.filter((e) => e.system === "ftrace" && (e.name === "kernel_stack" || e.name === "user_stack")).map((e) => e.id);
}

/** The parts of a reader's current record a filter looks at. */
export interface FilteredRecord {
  readonly page: Uint8Array;
  readonly payloadOffset: number;
  readonly commonType: number;
  readonly commonPid: number;
}

/** tracecmd_filter_match() for one handle (a file or one of its instances): it keeps "last shown" per cpu. */
export class HandleFilter {
  readonly #record: FilterRecord;
  readonly #shown: boolean[] = [];

  constructor(
    readonly filters: FileFilters,
    littleEndian: boolean,
    comms: { comm(pid: number): string },
  ) {
    this.#record = new FilterRecord(littleEndian, comms);
  }

  /** Whether this record (of this handle, on this cpu) is shown. */
  passes(source: FilteredRecord, cpu: number): boolean {
    const r = this.#record;
    r.page = source.page;
    r.base = source.payloadOffset;
    r.type = source.commonType;
    r.pid = source.commonPid;
    r.cpu = cpu;
    const { positive, negative } = this.filters;
    if (positive.length > 0 && !positive.some((f) => matches(f, r)) && !this.#followsShown(r)) return false;
    const hidden = negative.some((f) => matches(f, r));
    this.#shown[r.cpu] = !hidden;
    return !hidden;
  }

  /** A stack trace record is shown with the record before it on its cpu. */
  #followsShown(r: FilterRecord): boolean {
    return this.filters.stackIds.includes(r.type) && this.#shown[r.cpu] === true;
  }
}

/** tep_filter_match() == FILTER_MATCH: the event is listed and its test holds without error. */
function matches(tests: EventTests, r: FilterRecord): boolean {
  const test = tests[r.type];
  if (test === undefined) return false;
  try {
    return test(r);
  } catch (e) {
    if (e === EVAL_FAILED) return false;
    throw e;
  }
}
