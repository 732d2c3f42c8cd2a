// Re-raises a VtraceError of the same kind with a prefix naming where it happened (section, stream, file).
// Errors name the file, the offset and what was expected.

import { VtraceError, type ErrorContext } from "../../errors.ts";
import type { ReadStage } from "./trace-dat.ts";

type ErrorKind = new (message: string, context: ErrorContext, hint?: string) => VtraceError;

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
  const Kind = e.constructor as ErrorKind;
  return new Kind(`${prefix}: ${e.message}`, { ...extra, ...e.context, [key]: value }, e.hint);
}

/** Calls fn; a VtraceError not yet tagged with a reader stage gets `stage` in its context. */
export function inStage<T>(stage: ReadStage, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof VtraceError) || e.context.stage !== undefined) throw e;
    const Kind = e.constructor as ErrorKind;
    throw new Kind(e.message, { ...e.context, stage }, e.hint);
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
