// report --pid / --comm: trace-cmd turns them into one -F filter over common_pid, pid and next_pid
// (a task's own events, its wakeups and the switches to it), --comm through the saved cmdlines.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-read.c append_pid_filter(), convert_comm_filter(),
// make_pid_filter(); libtraceevent tep_data_pid_from_comm() (an exact comm match).

import type { FilterSpec } from "./filter-set.ts";

/**
 * The -F lists with trace-cmd's --pid/--comm filter added to the first input's list (trace-cmd
 * builds it once, for the first file it opens). A comm the first file's saved cmdlines lack is a warning.
 */
export function withPidFilter(
  lists: FilterSpec[][] | undefined,
  inputs: number,
  cmdlines: string,
  pids: readonly number[],
  comms: readonly string[],
): { lists: FilterSpec[][] | undefined; warnings: string[] } {
  const warnings: string[] = [];
  const all = [...pids];
  for (const comm of comms) {
    const found = pidsOfComm(cmdlines, comm);
    if (found.length === 0) warnings.push(`comm: ${comm} not in cmdline list`);
    all.push(...found);
  }
  if (all.length === 0 || inputs === 0) return { lists, warnings };
  const out = lists ? lists.map((l) => [...l]) : Array.from({ length: inputs }, (): FilterSpec[] => []);
  out[0]!.push({ text: pidFilterText(all), negate: false });
  return { lists: out, warnings };
}

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
