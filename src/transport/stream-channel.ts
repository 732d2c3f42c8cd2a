// A byte stream (a Bun TCP or unix socket) turned into bounded reads: exact byte counts,
// NUL-terminated strings and whole trace-msg messages, each with a timeout. Nothing blocks a thread.

import { ProtocolError } from "../errors.ts";
import { MSG_MAX_LEN } from "../msg/commands.ts";
import { peekFrame } from "../msg/frame.ts";
import { decodeMessage, encodeMessage, type Message } from "../msg/messages.ts";

export interface ByteSink {
  /** Returns the bytes accepted now (the rest waits for drain). */
  write(bytes: Uint8Array): number;
  end(): void;
}

/** Input held for the reader beyond which a pull-driven source stops reading (see onRoom). */
export const MAX_BUFFERED_INPUT = 1 << 20;
const INITIAL_STORE = 64 * 1024;

export class StreamChannel {
  // Unread input is #buf, a view into #store; arrivals append in place and reads advance the view,
  // so a burst costs one copy per byte, not one copy of everything held per chunk.
  #store = new Uint8Array(INITIAL_STORE);
  #buf = this.#store.subarray(0, 0);
  #wake: (() => void) | undefined;
  /** Called when a read brings the input held below MAX_BUFFERED_INPUT (fd-channel resumes reading). */
  onRoom: (() => void) | undefined;
  /**
   * Where the transport can do it (fd channels): stamp each arrival into the trace_marker at
   * markerFd the moment the reactor's waiter sees it, before this thread does; -1 turns it off.
   */
  stampArrivals: ((markerFd: number) => void) | undefined;
  #closed = false;
  #outQueue: Uint8Array[] = [];

  constructor(
    private readonly sink: ByteSink,
    /** Names the peer in error messages. */
    readonly peer: string,
  ) {}

  /** Feed bytes that arrived from the socket. */
  onData(chunk: Uint8Array): void {
    const have = this.#buf.length;
    let off = have === 0 ? 0 : this.#buf.byteOffset;
    if (off + have + chunk.length > this.#store.length) {
      const size = Math.max(INITIAL_STORE, (have + chunk.length) * 2);
      const next = size > this.#store.length ? new Uint8Array(size) : this.#store;
      if (next === this.#store) next.copyWithin(0, off, off + have);
      else next.set(this.#buf, 0);
      this.#store = next;
      off = 0;
    }
    this.#store.set(chunk, off + have);
    this.#buf = this.#store.subarray(off, off + have + chunk.length);
    this.#wake?.();
  }

  /** Bytes received and not yet read. */
  get buffered(): number {
    return this.#buf.length;
  }

  onClose(): void {
    this.#closed = true;
    this.#wake?.();
  }

  /** The socket can take more: push queued output. */
  onDrain(): void {
    while (this.#outQueue.length > 0) {
      const head = this.#outQueue[0]!;
      const n = this.sink.write(head);
      if (n < head.length) {
        this.#outQueue[0] = head.subarray(n);
        return;
      }
      this.#outQueue.shift();
    }
  }

  /** Output is queued, waiting for the socket to take it. */
  get pendingOutput(): boolean {
    return this.#outQueue.length > 0;
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(bytes: Uint8Array): void {
    if (this.#closed) throw new ProtocolError(`${this.peer}: connection closed`);
    if (this.#outQueue.length > 0) {
      this.#outQueue.push(bytes);
      return;
    }
    const n = this.sink.write(bytes);
    if (n < bytes.length) this.#outQueue.push(bytes.subarray(n));
  }

  sendMessage(m: Message): void {
    this.send(encodeMessage(m));
  }

  close(): void {
    this.#closed = true;
    this.sink.end();
  }

  async readExact(n: number, timeoutMs: number | undefined, what: string): Promise<Uint8Array> {
    await this.#waitUntil(() => this.#buf.length >= n, timeoutMs, what);
    return this.#take(n);
  }

  /** Up to `max` bytes; at least one. */
  async readSome(max: number, timeoutMs: number | undefined, what: string): Promise<Uint8Array> {
    await this.#waitUntil(() => this.#buf.length > 0, timeoutMs, what);
    return this.#take(Math.min(max, this.#buf.length));
  }

  async readCString(maxLen: number, timeoutMs: number | undefined, what: string): Promise<string> {
    const find = () => this.#buf.subarray(0, maxLen).indexOf(0);
    await this.#waitUntil(
      () => {
        if (find() >= 0) return true;
        if (this.#buf.length >= maxLen) throw new ProtocolError(`${this.peer}: ${what} longer than ${maxLen} bytes`);
        return false;
      },
      timeoutMs,
      what,
    );
    const end = find();
    const s = new TextDecoder().decode(this.#buf.subarray(0, end));
    this.#take(end + 1);
    return s;
  }

  /** One whole message; FormatError for a bad frame, ProtocolError on timeout or close. */
  async readMessage(timeoutMs: number | undefined, what = "message"): Promise<Message> {
    let size = 0;
    await this.#waitUntil(
      () => {
        const p = peekFrame(this.#buf.subarray(0, Math.max(this.#buf.length, 0)));
        if (p.kind === "frame") size = p.size;
        return p.kind === "frame";
      },
      timeoutMs,
      what,
    );
    return decodeMessage(this.#take(size));
  }

  #take(n: number): Uint8Array {
    const out = this.#buf.slice(0, n);
    const before = this.#buf.length;
    this.#buf = this.#buf.subarray(n);
    if (this.#buf.length === 0 && this.#store.length > MAX_BUFFERED_INPUT) {
      // A burst grew the store: give the memory back once it is read.
      this.#store = new Uint8Array(INITIAL_STORE);
      this.#buf = this.#store.subarray(0, 0);
    }
    if (before >= MAX_BUFFERED_INPUT && this.#buf.length < MAX_BUFFERED_INPUT) this.onRoom?.();
    return out;
  }

  async #waitUntil(ready: () => boolean, timeoutMs: number | undefined, what: string): Promise<void> {
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    while (!ready()) {
      if (this.#closed) throw new ProtocolError(`${this.peer}: connection closed while waiting for ${what}`, { what });
      const left = deadline - Date.now();
      if (left <= 0) throw new ProtocolError(`${this.peer}: timed out after ${timeoutMs} ms waiting for ${what}`, { what });
      await new Promise<void>((resolve) => {
        const timer = left === Infinity ? undefined : setTimeout(resolve, left);
        this.#wake = () => {
          if (timer) clearTimeout(timer);
          this.#wake = undefined;
          resolve();
        };
      });
    }
  }
}

export const MAX_MESSAGE = MSG_MAX_LEN;
