// Saved cmdlines ("pid comm" per line) → pid-to-comm lookup with libtraceevent's fallbacks.
// Source of truth: libtraceevent event-parse.c tep_parse_saved_cmdlines(), find_cmdline():
// the first entry for a pid wins, parsing stops at the first malformed line, pid 0 is "<idle>".

export class Comms {
  #byPid = new Map<number, string>();

  constructor(text: string) {
    for (const line of text.split("\n")) {
      if (line === "") continue;
      const m = /^\s*([+-]?\d+)(?!\d)\s*(.+)$/.exec(line);
      if (!m) break;
      const pid = Number(m[1]) | 0;
      if (pid !== 0 && !this.#byPid.has(pid)) this.#byPid.set(pid, m[2]!);
    }
  }

  /**
   * What libtraceevent's sched plugin does with tep_register_comm() when it prints sched_switch's
   * next task or sched_wakeup's task: learn a comm for a pid that has none (never override).
   */
  learn(pid: number, comm: string): boolean {
    if (pid === 0 || this.#byPid.has(pid)) return false;
    this.#byPid.set(pid, comm);
    return true;
  }

  /** True when learn() would not change this pid's comm: checked before decoding a comm. */
  knows(pid: number): boolean {
    return pid === 0 || this.#byPid.has(pid);
  }

  comm(pid: number): string {
    if (pid === 0) return "<idle>";
    return this.#byPid.get(pid) ?? "<...>";
  }
}
