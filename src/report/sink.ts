// Where report text goes. Pure side of the output edge: src/io/stdout-writer.ts implements it on fd 1.

export interface TextSink {
  /** Queues text; returns false once the reader of the output has gone (EPIPE), so producers can stop. */
  write(text: string): boolean;
}

/** Collects everything in memory (tests, in-process fuzzing). */
export class StringSink implements TextSink {
  #parts: string[] = [];
  #pending = "";

  write(text: string): boolean {
    this.#pending += text;
    if (this.#pending.length > 1 << 16) this.#flush();
    return true;
  }

  #flush(): void {
    this.#parts.push(this.#pending);
    this.#pending = "";
  }

  text(): string {
    this.#flush();
    const all = this.#parts.join("");
    this.#parts = [all];
    return all;
  }
}
