// Event selection: `system`, `system:event`, `event`, globs (`sched_*`, `*:*`), `all`,
// matched against available_events ("system:event" lines). Pure.

import { UsageError } from "../errors.ts";

export interface EventName {
  system: string;
  event: string;
}

export function parseAvailableEvents(text: string): EventName[] {
  const out: EventName[] = [];
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) out.push({ system: line.slice(0, colon), event: line.slice(colon + 1).trim() });
  }
  return out;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

/** Events selected by one spec, in available_events order; empty when nothing matches. */
export function matchEventSpec(spec: string, available: readonly EventName[]): EventName[] {
  if (spec === "all") return [...available];
  const colon = spec.indexOf(":");
  if (colon >= 0) {
    const sys = globToRegExp(spec.slice(0, colon));
    const ev = globToRegExp(spec.slice(colon + 1) || "*");
    return available.filter((e) => sys.test(e.system) && ev.test(e.event));
  }
  const re = globToRegExp(spec);
  const bySystem = available.filter((e) => re.test(e.system));
  return bySystem.length > 0 ? bySystem : available.filter((e) => re.test(e.event));
}

/** Where `record -f` writes a filter: one event's filter file, or a whole system's. */
export interface FilterTarget {
  system: string;
  /** Undefined: the system's filter file, which the kernel applies to the events that have the fields. */
  event?: string;
}

/**
 * The filter files for the events one spec selects, as trace-cmd record -f uses them: a spec naming
 * systems (`sched`, `sched:*`, `all`) filters each system as a whole, anything else each event.
 */
export function filterTargets(spec: string, available: readonly EventName[]): FilterTarget[] {
  const matched = matchEventSpec(spec, available);
  if (matched.length === 0) throw unknownEvent(spec, available);
  const colon = spec.indexOf(":");
  const wholeSystems = spec === "all" || (colon < 0 ? matched.every((e) => globToRegExp(spec).test(e.system)) : /^\*?$/.test(spec.slice(colon + 1)));
  if (wholeSystems) return [...new Set(matched.map((e) => e.system))].map((system) => ({ system }));
  return matched.map((e) => ({ system: e.system, event: e.event }));
}

/** All events selected by the specs, deduplicated; throws UsageError naming an unknown spec. */
export function resolveEventSpecs(specs: readonly string[], available: readonly EventName[]): EventName[] {
  const seen = new Set<string>();
  const out: EventName[] = [];
  for (const spec of specs) {
    const matched = matchEventSpec(spec, available);
    if (matched.length === 0) throw unknownEvent(spec, available);
    for (const e of matched) {
      const key = `${e.system}:${e.event}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(e);
      }
    }
  }
  return out;
}

function unknownEvent(spec: string, available: readonly EventName[]): UsageError {
  const names = new Set<string>();
  for (const e of available) {
    names.add(e.system);
    names.add(e.event);
    names.add(`${e.system}:${e.event}`);
  }
  const close = closestNames(spec, [...names], 3);
  const hint = close.length > 0 ? `did you mean ${close.map((n) => `'${n}'`).join(", ")}?` : "see available_events";
  return new UsageError(`unknown event '${spec}': ${hint}`, { spec });
}

export function closestNames(word: string, candidates: readonly string[], limit: number): string[] {
  const scored = candidates
    .map((c) => ({ c, d: editDistance(word.toLowerCase(), c.toLowerCase()) }))
    .filter((s) => s.d <= Math.max(2, Math.floor(word.length / 3)));
  scored.sort((a, b) => a.d - b.d || a.c.localeCompare(b.c));
  return scored.slice(0, limit).map((s) => s.c);
}

export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
