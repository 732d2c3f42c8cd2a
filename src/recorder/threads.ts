// Thread ids of a process (/proc/PID/task), used to keep the recorder out of its own trace.

import { readdirSync } from "node:fs";

export function threadIdsOfProcess(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map(Number).filter((n) => Number.isInteger(n) && n > 0);
}
