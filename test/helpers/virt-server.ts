// Waiting for a virt-server to serve: agent-ctl-path exists before any server runs (setup-guest
// leaves an unserved socket node there), so only a connection to its control socket tells.

import { closeFd } from "../../ffi/fd.ts";
import { unixConnect } from "../../ffi/socket.ts";

export function serverAnswers(virtDir: string): boolean {
  try {
    closeFd(unixConnect(`${virtDir}/vtrace-ctl`));
    return true;
  } catch {
    return false;
  }
}

export async function waitForServer(virtDir: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!serverAnswers(virtDir)) {
    if (Date.now() > until) throw new Error(`no virt-server answers in ${virtDir} after ${timeoutMs} ms`);
    await Bun.sleep(20);
  }
}
