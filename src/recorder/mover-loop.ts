// The loop of one mover thread: a single poll() over every stream it serves (sources, or sinks that
// are full), the wake pipes of their recordings and the thread's control pipe. Idle means blocked:
// the timeout is infinite unless a stream has a deadline (a periodic flush, a stalled sink after stop).

import { POLLIN, POLLNVAL, PollList } from "../../ffi/poll.ts";
import type { StreamResult, StreamSpec } from "./mover-protocol.ts";
import { StreamMover } from "./stream-mover.ts";

export interface MoverEvents {
  ready(id: number): void;
  progress(id: number, bytes: number): void;
  diskFull(id: number, message: string): void;
  done(id: number, result: StreamResult): void;
  failed(id: number, message: string): void;
}

export class MoverLoop {
  readonly #streams = new Map<number, StreamMover>();
  readonly #poll = new PollList();

  constructor(private readonly events: MoverEvents) {}

  get streamCount(): number {
    return this.#streams.size;
  }

  /** Opens the stream's fds; a stream that cannot open fails alone. */
  add(spec: StreamSpec): void {
    let stream: StreamMover;
    try {
      stream = new StreamMover(spec);
    } catch (e) {
      this.events.failed(spec.id, (e as Error).message);
      return;
    }
    this.#streams.set(spec.id, stream);
    this.events.ready(spec.id);
  }

  /**
   * One poll and the work it brings. `controlFd` (when given) is polled too; returns true when it
   * is readable, so the caller can take its commands.
   */
  turn(controlFd?: number, maxWaitMs = -1): boolean {
    const poll = this.#poll;
    poll.clear();
    const control = controlFd === undefined ? -1 : poll.add(controlFd, POLLIN);
    const wakeAt = new Map<number, number>();
    for (const s of this.#streams.values()) {
      const fd = s.spec.wakeFd;
      if (s.phase === "running" && !wakeAt.has(fd)) wakeAt.set(fd, poll.add(fd, POLLIN));
    }
    const slots: [StreamMover, number][] = [];
    for (const s of this.#streams.values()) {
      const want = s.interest();
      if (want) slots.push([s, poll.add(want.fd, want.events)]);
    }
    poll.wait(this.#timeout(maxWaitMs));
    const now = Date.now();
    for (const [fd, index] of wakeAt) if (poll.revents(index) & POLLIN) this.#stopGroup(fd, now);
    for (const [s, index] of slots) {
      const r = poll.revents(index);
      if (r & POLLNVAL) this.#fail(s, "its fd was closed under it");
      else if (r !== 0) this.#service(s, now);
    }
    for (const s of [...this.#streams.values()]) {
      const due = s.deadline();
      if (s.phase === "draining" || (due !== undefined && due <= now)) this.#service(s, now);
    }
    return control >= 0 && (poll.revents(control) & POLLIN) !== 0;
  }

  #timeout(maxWaitMs: number): number {
    let soonest = Infinity;
    for (const s of this.#streams.values()) {
      if (s.phase === "draining" && s.interest() === undefined) return 0; // more to drain right now
      soonest = Math.min(soonest, s.deadline() ?? Infinity);
    }
    const ms = soonest === Infinity ? -1 : Math.max(0, Math.ceil(soonest - Date.now()));
    if (maxWaitMs < 0) return ms;
    return ms < 0 ? maxWaitMs : Math.min(ms, maxWaitMs);
  }

  /** A wake pipe stays readable once its byte is in, so streams that join later stop at once too. */
  #stopGroup(wakeFd: number, now: number): void {
    for (const s of this.#streams.values()) {
      if (s.spec.wakeFd !== wakeFd) continue;
      s.stop(now);
      this.#service(s, now);
    }
  }

  #service(s: StreamMover, now: number): void {
    if (!this.#streams.has(s.spec.id)) return; // finished earlier in this turn
    try {
      s.service(now);
    } catch (e) {
      return this.#fail(s, (e as Error).message);
    }
    const full = s.takeDiskFullNotice();
    if (full !== undefined) this.events.diskFull(s.spec.id, full);
    const bytes = s.progressDue(now);
    if (bytes !== undefined) this.events.progress(s.spec.id, bytes);
    if (s.phase === "done") this.#finish(s, () => this.events.done(s.spec.id, s.result));
  }

  #fail(s: StreamMover, message: string): void {
    this.#finish(s, () => this.events.failed(s.spec.id, message));
  }

  #finish(s: StreamMover, report: () => void): void {
    if (!this.#streams.delete(s.spec.id)) return; // closed already: its fd numbers may be someone else's now
    s.close();
    report();
  }
}

/** Runs one stream to its end on the calling thread (tests, and a single stream without a pool). */
export function runStream(spec: StreamSpec, onReady: () => void = () => {}): StreamResult {
  let outcome: { result?: StreamResult; error?: string } | undefined;
  const loop = new MoverLoop({
    ready: onReady,
    progress: () => {},
    diskFull: () => {},
    done: (_, result) => (outcome = { result }),
    failed: (_, message) => (outcome = { error: message }),
  });
  loop.add(spec);
  while (outcome === undefined) loop.turn();
  if (outcome.error !== undefined) throw new StreamFailedError(outcome.error);
  return outcome.result!;
}

export class StreamFailedError extends Error {}
