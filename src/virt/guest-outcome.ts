// Which of the guests `record -A` asked for did not end up with a file, and why. Pure: the
// caller says which files exist.

import type { GuestReply } from "./control-protocol.ts";

export interface UnrecordedGuest {
  name: string;
  why: string;
}

/**
 * Every asked-for guest needs a start reply that was ok, a stop reply that was ok, and a file on
 * disk; the first missing step is the reason.
 */
export function unrecordedGuests(
  asked: readonly string[],
  startFailed: readonly GuestReply[],
  stopReplies: readonly GuestReply[],
  fileExists: (path: string) => boolean,
): UnrecordedGuest[] {
  const out: UnrecordedGuest[] = [];
  for (const name of asked) {
    const failedStart = startFailed.find((g) => g.name === name);
    const stopped = stopReplies.find((g) => g.name === name);
    if (failedStart) out.push({ name, why: failedStart.error ?? "did not start" });
    else if (!stopped) out.push({ name, why: "no answer from its agent at stop" });
    else if (!stopped.ok) out.push({ name, why: stopped.error ?? "failed" });
    else if (stopped.file === undefined || !fileExists(stopped.file)) out.push({ name, why: "no file was written" });
  }
  return out;
}

export function describeUnrecorded(missing: readonly UnrecordedGuest[], asked: number): string {
  const list = missing.map((g) => `${g.name} (${g.why})`).join(", ");
  return `${missing.length} of ${asked} guest${asked === 1 ? "" : "s"} not recorded: ${list}`;
}
