// The JSON Object Format, written as it goes: `{"traceEvents":[` one event per line `],"otherData":…}`.
// Nothing is held back, so memory stays flat however long the trace; the sink does the buffering.
// Source of truth: "Trace Event Format" (JSON Object Format; otherData is free-form metadata).

import { formatChromeEvent, type ChromeEvent } from "./chrome-event.ts";

/** Where the JSON text goes; write() returns false once the reader has gone (EPIPE). */
export interface TextOut {
  write(text: string): boolean;
}

export class TraceEventsWriter {
  #events = 0;

  constructor(readonly out: TextOut) {}

  begin(): boolean {
    return this.out.write(`{"traceEvents":[\n`);
  }

  /** False once the reader has gone: callers stop producing. */
  event(e: ChromeEvent): boolean {
    const text = formatChromeEvent(e);
    return this.out.write(this.#events++ === 0 ? text : `,\n${text}`);
  }

  get count(): number {
    return this.#events;
  }

  end(otherData: Record<string, unknown>): boolean {
    return this.out.write(`\n],"otherData":${JSON.stringify(otherData)}}\n`);
  }
}
