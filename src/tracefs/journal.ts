// Undo journal for kernel state: every tracefs change registers how to revert it,
// and restore() reverts in reverse order, also after errors and signals (trace-cmd's add_reset_file idea).

export class RestoreJournal {
  readonly #undo: { what: string; run: () => void }[] = [];
  readonly failures: string[] = [];

  add(what: string, run: () => void): void {
    this.#undo.push({ what, run });
  }

  /** Reverts everything; a failing step is noted and the rest still run. */
  restore(): void {
    while (this.#undo.length > 0) {
      const step = this.#undo.pop()!;
      try {
        step.run();
      } catch (e) {
        this.failures.push(`${step.what}: ${(e as Error).message}`);
      }
    }
  }

  get size(): number {
    return this.#undo.length;
  }
}
