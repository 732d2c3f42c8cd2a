// mkfifo(3): Bun and node have none, so it comes from libc.

import { sysError } from "./errno.ts";
import { libc } from "./libc.ts";

export function makeFifo(path: string, mode: number): void {
  if (libc.mkfifo(path, mode) < 0) throw sysError("mkfifo", path);
}
