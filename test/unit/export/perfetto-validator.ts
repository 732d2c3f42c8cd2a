// A strict checker of Chrome trace-event JSON as `report --format perfetto` writes it, shared by the
// unit and e2e tests. It lists every problem it finds (up to a limit), so a failing test says what.
// Rules ("Trace Event Format", JSON Object Format): every event has name, ph, ts, pid, tid; X has
// dur; ts and dur are µs (numbers); i has s; M names processes and threads. Ours, in addition: X
// slices on one thread are non-negative and properly nested, every used process and thread is named.

export interface ParsedEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  s?: string;
  cat?: string;
  args?: Record<string, unknown>;
}

export interface CheckedTrace {
  events: ParsedEvent[];
  problems: string[];
  processNames: Map<number, string>;
  /** Thread names by `${pid}/${tid}`. */
  threadNames: Map<string, string>;
}

const MAX_PROBLEMS = 20;
const METADATA = new Set(["process_name", "thread_name", "process_sort_index", "thread_sort_index"]);
/** Half a ns in µs, the rounding a double may add to µs values with ns fractions. */
const EPS_US = 0.0005;

export function checkChromeTrace(text: string): CheckedTrace {
  const problems: string[] = [];
  const problem = (p: string) => problems.length < MAX_PROBLEMS && problems.push(p);
  const root = JSON.parse(text) as { traceEvents?: unknown };
  if (!Array.isArray(root.traceEvents)) return { events: [], problems: ["no traceEvents array"], processNames: new Map(), threadNames: new Map() };
  const events = root.traceEvents as ParsedEvent[];
  const processNames = new Map<number, string>();
  const threadNames = new Map<string, string>();
  events.forEach((e, i) => {
    for (const p of eventProblems(e)) problem(`event ${i} ${JSON.stringify(e).slice(0, 200)}: ${p}`);
    if (e.ph === "M" && e.name === "process_name") processNames.set(e.pid, String(e.args?.name));
    if (e.ph === "M" && e.name === "thread_name") threadNames.set(`${e.pid}/${e.tid}`, String(e.args?.name));
  });
  for (const e of events) {
    if (e.ph === "M") continue;
    if (!processNames.has(e.pid)) problem(`pid ${e.pid} has events but no process_name`);
    if (!threadNames.has(`${e.pid}/${e.tid}`)) problem(`thread ${e.pid}/${e.tid} has events but no thread_name`);
  }
  for (const p of nestingProblems(events)) problem(p);
  return { events, problems, processNames, threadNames };
}

function eventProblems(e: ParsedEvent): string[] {
  const out: string[] = [];
  if (typeof e !== "object" || e === null) return ["not an object"];
  if (typeof e.name !== "string" || e.name === "") out.push("name is not a non-empty string");
  if (!["X", "i", "M"].includes(e.ph)) out.push(`unexpected ph ${JSON.stringify(e.ph)}`);
  if (typeof e.ts !== "number" || !Number.isFinite(e.ts) || e.ts < 0) out.push("ts is not a finite number >= 0");
  for (const key of ["pid", "tid"] as const) {
    if (!Number.isInteger(e[key]) || e[key] < 0 || e[key] > 0xffffffff) out.push(`${key} is not a uint32`);
  }
  if (e.args !== undefined && (typeof e.args !== "object" || e.args === null || Array.isArray(e.args))) out.push("args is not an object");
  if (e.ph === "X" && (typeof e.dur !== "number" || !Number.isFinite(e.dur) || e.dur < 0)) out.push("X without a finite dur >= 0");
  if (e.ph === "i" && e.s !== "t") out.push(`instant with scope ${JSON.stringify(e.s)}, expected "t"`);
  if (e.ph === "M") {
    if (!METADATA.has(e.name)) out.push(`unknown metadata ${e.name}`);
    const arg = e.name.endsWith("_name") ? e.args?.name : e.args?.sort_index;
    if (e.name.endsWith("_name") ? typeof arg !== "string" || arg === "" : !Number.isInteger(arg)) out.push("metadata without its value");
  }
  return out;
}

/** Per thread, X slices in start order (longest first on ties) must each end within the enclosing one. */
function nestingProblems(events: ParsedEvent[]): string[] {
  const byThread = new Map<string, ParsedEvent[]>();
  for (const e of events) {
    if (e.ph !== "X") continue;
    const key = `${e.pid}/${e.tid}`;
    const list = byThread.get(key);
    if (list) list.push(e);
    else byThread.set(key, [e]);
  }
  const out: string[] = [];
  for (const [thread, slices] of byThread) {
    slices.sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
    const stack: ParsedEvent[] = [];
    for (const s of slices) {
      while (stack.length > 0 && stack.at(-1)!.ts + stack.at(-1)!.dur! <= s.ts + EPS_US) stack.pop();
      const parent = stack.at(-1);
      if (parent && s.ts + s.dur! > parent.ts + parent.dur! + EPS_US) {
        out.push(`thread ${thread}: slice ${s.name} [${s.ts}, +${s.dur}] overlaps ${parent.name} [${parent.ts}, +${parent.dur}]`);
      }
      stack.push(s);
    }
  }
  return out;
}

/** Events grouped by `${pid}/${tid}/${name}`, their ts sorted: for "is there an event at t" checks. */
export function indexByTrack(events: ParsedEvent[], ph: string, at: (e: ParsedEvent) => number = (e) => e.ts): Map<string, number[]> {
  const index = new Map<string, number[]>();
  for (const e of events) {
    if (e.ph !== ph) continue;
    const key = `${e.pid}/${e.tid}/${e.name}`;
    const list = index.get(key) ?? [];
    list.push(at(e));
    index.set(key, list);
  }
  for (const list of index.values()) list.sort((a, b) => a - b);
  return index;
}

/** True when the sorted list holds a value within tolerance of want. */
export function hasNear(sorted: number[] | undefined, want: number, tolerance: number): boolean {
  if (!sorted) return false;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < want - tolerance) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && Math.abs(sorted[lo]! - want) <= tolerance;
}
