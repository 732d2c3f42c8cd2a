// The plain-QEMU path keeps libvirt's guarantee: a guest wired with the control socket
// (reconnect=1) boots while no virt-server runs, not even a socket node, and its agent is usable
// within 5 s of a server starting.

import { describe, expect, test } from "bun:test";
import { missing, run, skipBecause, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { bootGuest, guestSupport } from "../../helpers/guest.ts";
import { waitForServer } from "../../helpers/virt-server.ts";

const skip = skipBecause(guestSupport() ?? missing({ tracefs: true, binary: true }), "plain QEMU lifecycle");

describe.skipIf(skip)("plain QEMU guest and virt-server lifecycles are independent", () => {
  test("boots with no server, then is listed within 5 s of the server starting", async () => {
    using dir = tempDir("pq");
    const virtDir = `${dir.path}/virt`;
    await using guest = await bootGuest({
      name: "pq",
      cpus: 2,
      fifoDir: `${virtDir}/pq`,
      controlSocket: `${virtDir}/agent-ctl-path`,
      command: "exec vtrace agent",
      timeoutMs: 300_000,
    });
    await guest.waitForConsole(/vtrace agent: waiting for the host/, 180_000);
    const server = Bun.spawn([VTRACE_BIN, "virt-server", "--virt-dir", virtDir, "-d", dir.path], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    try {
      await waitForServer(virtDir);
      const t0 = performance.now();
      for (;;) {
        if (/^pq\s+2\s+\d+\s+agent ready/m.test((await run([VTRACE_BIN, "list-guests", "--virt-dir", virtDir])).stdout)) break;
        expect(performance.now() - t0).toBeLessThan(5000);
        await Bun.sleep(100);
      }
    } finally {
      server.kill("SIGTERM");
      await server.exited;
    }
  }, 300_000);
});
