// The host's view of one guest agent: its control channel, and a mailbox that sessions read
// from while a single loop reads the channel. Hellos (TINIT) are answered here, at any time.

import { ProtocolError } from "../errors.ts";
import type { Message, MessageOf } from "../msg/messages.ts";
import type { StreamChannel } from "../transport/stream-channel.ts";

export class AgentLink {
  readonly #inbox: Message[] = [];
  #wake: (() => void) | undefined;
  busy = false;
  gone = false;
  /** A failed start ending the agent's session (CLOSE → CLOSE_RESP); the next start waits for it. */
  abandoning: Promise<void> | undefined;

  constructor(
    readonly ch: StreamChannel,
    readonly domain: string,
    readonly qemuPid: number,
    public cpus: number,
    public pageSize: number,
  ) {}

  /** Reads the channel until it closes; resolves then. */
  async readLoop(): Promise<void> {
    try {
      for (;;) this.#deliver(await this.ch.readMessage(undefined, "agent message"));
    } catch {
      this.gone = true;
      this.#wake?.();
    }
  }

  #deliver(m: Message): void {
    if (m.cmd === "TINIT") {
      this.cpus = m.cpus;
      this.pageSize = m.pageSize;
      this.ch.sendMessage({ cmd: "RINIT", cpus: m.cpus, ports: Array.from({ length: m.cpus }, () => 0) });
      return;
    }
    this.#inbox.push(m);
    this.#wake?.();
  }

  send(m: Message): void {
    this.ch.sendMessage(m);
  }

  /** The next message from the agent within timeoutMs (undefined: no limit). */
  async next(timeoutMs: number | undefined, what: string): Promise<Message> {
    const until = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    while (this.#inbox.length === 0) {
      if (this.gone) throw new ProtocolError(`${this.domain}: agent connection closed while waiting for ${what}`);
      const left = until - Date.now();
      if (left <= 0) throw new ProtocolError(`${this.domain}: no ${what} from the agent within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = left === Infinity ? undefined : setTimeout(resolve, left);
        this.#wake = () => {
          if (t) clearTimeout(t);
          resolve();
        };
      });
    }
    return this.#inbox.shift()!;
  }

  async expect<N extends Message["cmd"]>(cmd: N, timeoutMs: number | undefined): Promise<MessageOf<N>> {
    const m = await this.next(timeoutMs, cmd);
    if (m.cmd !== cmd) throw new ProtocolError(`${this.domain}: expected ${cmd}, got ${m.cmd}`);
    return m as MessageOf<N>;
  }

  /** Drops anything left from an earlier session. */
  clear(): void {
    this.#inbox.length = 0;
  }
}
