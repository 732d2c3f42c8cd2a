// What ends a recording: the traced command's exit, or SIGINT/SIGTERM/SIGHUP when there is none.
// Signals are caught for the whole recording so that nothing recorded is lost.

import { VtraceError } from "../errors.ts";

const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** Anything that can end a recording: signals, or (in the agent) the host's CLOSE. */
export interface StopTrigger {
  readonly stopped: Promise<string>;
  readonly signal: string | undefined;
}

/** A trigger fired by code, not by a signal. */
export class ManualStop implements StopTrigger {
  #fire!: (reason: string) => void;
  readonly stopped = new Promise<string>((resolve) => (this.#fire = resolve));
  signal: string | undefined;

  fire(reason: string): void {
    this.signal = reason;
    this.#fire(reason);
  }
}

export class StopSignal implements StopTrigger {
  readonly #handlers = new Map<string, () => void>();
  #fire!: (reason: string) => void;
  readonly stopped: Promise<string>;
  signal: string | undefined;

  constructor() {
    this.stopped = new Promise((resolve) => (this.#fire = resolve));
    for (const sig of STOP_SIGNALS) {
      const handler = () => {
        this.signal = sig;
        this.#fire(sig);
      };
      this.#handlers.set(sig, handler);
      process.on(sig, handler);
    }
  }

  dispose(): void {
    for (const [sig, handler] of this.#handlers) process.off(sig, handler);
    this.#handlers.clear();
  }
}

export interface CommandOutcome {
  exitCode: number | null;
  signal: string | undefined;
}

/** Starts the traced command; throws a one-line error when it cannot be started. */
export function startCommand(argv: readonly string[]): Bun.Subprocess {
  try {
    return Bun.spawn([...argv], { stdio: ["inherit", "inherit", "inherit"] });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new VtraceError(`cannot start command '${argv[0]}': ${code ?? (e as Error).message}`);
  }
}

/** Waits for the command to exit; a stop signal is passed on to it. */
export async function waitForCommand(child: Bun.Subprocess, stop: StopTrigger): Promise<CommandOutcome> {
  stop.stopped.then((sig) => child.kill(sig as NodeJS.Signals)).catch(() => undefined);
  const exitCode = await child.exited;
  return { exitCode, signal: stop.signal };
}
