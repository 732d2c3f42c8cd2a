// report --pid / --comm: trace-cmd turns them into one -F filter over common_pid, pid and next_pid
// (a task's own events, its wakeups and the switches to it), --comm through the saved cmdlines.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-read.c append_pid_filter(), convert_comm_filter(),
// make_pid_filter(); libtraceevent tep_data_pid_from_comm() (an exact comm match).

/** The filter text for these pids, as trace-cmd builds it. */
export function pidFilterText(pids: readonly number[]): string {
  return `.*:${pids.map((p) => `(common_pid==${p})||(pid==${p})||(next_pid==${p})`).join("||")}`;
}

/** Pids the saved cmdlines ("pid comm" lines) give this exact comm. */
export function pidsOfComm(cmdlines: string, comm: string): number[] {
  const pids: number[] = [];
  for (const line of cmdlines.split("\n")) {
    const m = /^\s*(\d+)\s(.*)$/.exec(line);
    if (m && m[2] === comm) pids.push(Number(m[1]));
  }
  return pids;
}
