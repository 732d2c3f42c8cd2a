// Re-raises a VtraceError of the same kind with a prefix naming where it happened (section, stream, file).
// Errors name the file, the offset and what was expected.

import { VtraceError, type ErrorContext } from "../../errors.ts";
import type { ReadStage } from "./trace-dat.ts";

/**
 * The same error, retagged: a copy of its class with its own fields (a SysError's errno, which
 * callers test), not a new instance, since not every kind's constructor takes (message, context).
 */
function retagged(e: VtraceError, context: ErrorContext, message: string): VtraceError {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(e)) as VtraceError, e, { context });
  copy.message = message;
  copy.stack = e.stack;
  return copy;
}

/** Calls fn; a VtraceError not yet tagged with `key` comes back prefixed and tagged. */
export function withContext<T>(key: string, value: string | number, prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw addContext(e, key, value, prefix);
  }
}

export function addContext(e: unknown, key: string, value: string | number, prefix: string, extra: ErrorContext = {}): unknown {
  if (!(e instanceof VtraceError) || e.context[key] !== undefined) return e;
  return retagged(e, { ...extra, ...e.context, [key]: value }, `${prefix}: ${e.message}`);
}

/** Calls fn; a VtraceError not yet tagged with a reader stage gets `stage` in its context. */
export function inStage<T>(stage: ReadStage, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof VtraceError) || e.context.stage !== undefined) throw e;
    throw retagged(e, { ...e.context, stage }, e.message);
  }
}

/** Runs fn; a VtraceError it throws names `path` first ("FILE: ..."), as report's errors do. */
export function inFile<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw addContext(e, "file", path, path);
  }
}
