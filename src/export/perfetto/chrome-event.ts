// Chrome trace events (the JSON that ui.perfetto.dev and chrome://tracing open) and their text.
// Source of truth: "Trace Event Format" (Google doc 1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU):
// ts and dur are in microseconds; X = complete event, i = instant (s: "t" = thread scope),
// M = metadata (process_name, thread_name, process_sort_index, thread_sort_index).

/** A value in an event's args. 64-bit numbers beyond 2^53 are strings so that no digit is lost. */
export type ArgValue = number | string | null | (number | string)[];
export type Args = Record<string, ArgValue>;

export type MetadataName = "process_name" | "process_sort_index" | "thread_name" | "thread_sort_index";

export type ChromeEvent =
  | { ph: "X"; name: string; cat: string; tsNs: bigint; durNs: bigint; pid: number; tid: number; args: Args }
  | { ph: "i"; name: string; cat: string; tsNs: bigint; pid: number; tid: number; args: Args }
  | { ph: "M"; name: MetadataName; pid: number; tid: number; args: { name: string } | { sort_index: number } };

/**
 * ns as a JSON number of µs with the ns kept as three decimals ("1234.005"), written from the
 * integer so that no digit is lost: a double holds µs with ns only up to ~2^53 ns (104 days).
 */
export function formatMicros(ns: bigint): string {
  const sign = ns < 0n ? "-" : "";
  const abs = ns < 0n ? -ns : ns;
  const frac = abs % 1000n;
  return frac === 0n ? `${sign}${abs / 1000n}` : `${sign}${abs / 1000n}.${frac.toString().padStart(3, "0")}`;
}

/** One event as a JSON object on one line. Metadata events carry ts 0 so every event has a ts. */
export function formatChromeEvent(e: ChromeEvent): string {
  const head = `{"name":${JSON.stringify(e.name)},"ph":"${e.ph}"`;
  const ids = `"pid":${e.pid},"tid":${e.tid}`;
  switch (e.ph) {
    case "X":
      return `${head},"cat":${JSON.stringify(e.cat)},"ts":${formatMicros(e.tsNs)},"dur":${formatMicros(e.durNs)},${ids},"args":${JSON.stringify(e.args)}}`;
    case "i":
      return `${head},"cat":${JSON.stringify(e.cat)},"ts":${formatMicros(e.tsNs)},"s":"t",${ids},"args":${JSON.stringify(e.args)}}`;
    case "M":
      return `${head},"ts":0,${ids},"args":${JSON.stringify(e.args)}}`;
    default:
      return e satisfies never;
  }
}
