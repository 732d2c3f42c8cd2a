// Live progress on a terminal: one status line, rewritten in place, with bytes and
// events per CPU and events lost. Silent when stderr is not a TTY.

export interface CpuProgress {
  bytes: number;
  events: number;
  lost: number;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatProgressLine(perCpu: readonly CpuProgress[], elapsedMs: number): string {
  const cpus = perCpu.map((p, cpu) => `cpu${cpu} ${formatBytes(p.bytes)} ${p.events.toLocaleString("en-US")} ev`);
  const lost = perCpu.reduce((s, p) => s + p.lost, 0);
  return `recording ${(elapsedMs / 1000).toFixed(1)}s | ${cpus.join(" | ")} | lost ${lost}`;
}

export class ProgressLine {
  #shown = false;

  constructor(private readonly stream: { isTTY?: boolean; write(s: string): unknown }) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  show(line: string): void {
    if (!this.enabled) return;
    this.stream.write(`\r\x1b[K${line}`);
    this.#shown = true;
  }

  clear(): void {
    if (this.#shown) this.stream.write("\r\x1b[K");
    this.#shown = false;
  }
}
