// Saved cmdlines ("pid comm" per line) → pid-to-comm lookup, as libtraceevent keeps it.
// Source of truth: libtraceevent 1.7.1 event-parse.c tep_parse_saved_cmdlines(), _tep_register_comm(),
// cmdline_init(), find_cmdline(), add_new_comm(); glibc 2.36 qsort() (a stable merge sort) and
// bsearch(). Until the first lookup of a non-zero pid, registrations (the saved cmdlines, then what
// the sched plugin learns from sched_switch/wakeup) go on a list with no duplicate check, newest
// first; that lookup sorts the list by pid, and for a pid listed twice bsearch() returns whichever
// copy its probes hit first. After that a pid that has a comm keeps it. Parsing stops at the first
// malformed line; pid 0 is "<idle>".

export class Comms {
  /** Registrations before the first lookup, oldest first; undefined once sorted. */
  #pending: { pid: number; comm: string }[] | undefined = [];
  #byPid = new Map<number, string>();

  constructor(text: string) {
    for (const line of text.split("\n")) {
      if (line === "") continue;
      const m = /^\s*([+-]?\d+)(?!\d)\s*(.+)$/.exec(line);
      if (!m) break;
      this.#pending!.push({ pid: Number(m[1]) | 0, comm: m[2]! });
    }
  }

  /**
   * tep_register_comm() from the sched plugin: before the first lookup the entry is listed (even
   * for a known pid); after it only a pid without a comm gets one. True when a comm may have changed.
   */
  learn(pid: number, comm: string): boolean {
    if (this.#pending) {
      this.#pending.push({ pid, comm });
      return true;
    }
    if (pid === 0 || this.#byPid.has(pid)) return false;
    this.#byPid.set(pid, comm);
    return true;
  }

  /** True when learn() would not change this pid's comm: checked before decoding a comm. */
  knows(pid: number): boolean {
    return this.#pending === undefined && (pid === 0 || this.#byPid.has(pid));
  }

  comm(pid: number): string {
    if (pid === 0) return "<idle>";
    if (this.#pending) this.#sort(this.#pending);
    return this.#byPid.get(pid) ?? "<...>";
  }

  /** cmdline_init(): the list (newest first) stably sorted by pid, each pid as bsearch() finds it. */
  #sort(pending: { pid: number; comm: string }[]): void {
    this.#pending = undefined;
    const sorted = pending.reverse().sort((a, b) => a.pid - b.pid);
    const pids = sorted.map((e) => e.pid);
    for (let i = 0; i < sorted.length; i++) {
      const pid = pids[i]!;
      if (this.#byPid.has(pid)) continue;
      const duplicated = pids[i - 1] === pid || pids[i + 1] === pid;
      this.#byPid.set(pid, sorted[duplicated ? glibcBsearch(pids, pid) : i]!.comm);
    }
  }
}

/** glibc bsearch() over sorted pids: the index of the first probe equal to key. */
function glibcBsearch(pids: readonly number[], key: number): number {
  let l = 0;
  let u = pids.length;
  while (l < u) {
    const idx = (l + u) >>> 1;
    const p = pids[idx]!;
    if (key < p) u = idx;
    else if (key > p) l = idx + 1;
    else return idx;
  }
  return -1;
}
