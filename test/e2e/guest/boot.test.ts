// End to end: the QEMU TCG test guest of test/helpers/guest.ts runs the compiled binary, carries
// bytes over its virtio-serial trace ports and control port, and has a working tracefs.

import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { decodePage, decodePageHeader } from "../../../src/ringbuf/page.ts";
import { missing, run, skipBecause, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import {
  bootGuest,
  CONTROL_PORT,
  ensureGuestImage,
  GUEST_EXIT,
  GUEST_READY,
  type GuestImage,
  GuestUnavailableError,
  guestSupport,
  makeTraceFifos,
  qemuArgs,
  readFifo,
} from "../../helpers/guest.ts";

// Under TCG on a busy 2-core machine a boot takes 4-10 s and the first vtrace start ~0.5-3 s.
const STEP_MS = 60_000;
const TEST_MS = 150_000;

const unavailable = guestSupport() ?? missing({ binary: true });
const built = unavailable === undefined ? await ensureGuestImage().catch(unlessUnavailable) : undefined;
const reason = unavailable ?? (built instanceof GuestUnavailableError ? built.message : undefined);
const image = built instanceof GuestUnavailableError ? undefined : built;
const skip = skipBecause(reason, "guest e2e");

function unlessUnavailable(err: unknown): GuestUnavailableError {
  if (err instanceof GuestUnavailableError) return err;
  throw err;
}

function sha256(bytes: Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
}

const FAKE_IMAGE: GuestImage = { dir: "/img", kernel: "/img/vmlinux", initrd: "/img/initramfs.cpio" };

describe("qemuArgs()", () => {
  test("qemuArgs() wires one pipe chardev per CPU and the control socket as a reconnecting client", () => {
    const args = qemuArgs({ name: "g", cpus: 2, fifoDir: "/v,x", controlSocket: "/v/ctl", command: "true" }, FAKE_IMAGE);
    const values = (flag: string) => args.flatMap((a, i) => (args[i - 1] === flag ? [a] : []));
    expect({
      name: values("-name"),
      smp: values("-smp"),
      cpu: values("-cpu"),
      chardevs: values("-chardev").filter((c) => !c.startsWith("stdio")),
      ports: values("-device").filter((d) => d.startsWith("virtserialport")),
    }).toEqual({
      name: ["guest=g,debug-threads=on"],
      smp: ["2"],
      cpu: ["max"],
      chardevs: ["pipe,id=tp0,path=/v,,x/trace-path-cpu0", "pipe,id=tp1,path=/v,,x/trace-path-cpu1", "socket,id=ctl,path=/v/ctl,reconnect=1"],
      ports: [
        "virtserialport,bus=vser0.0,chardev=tp0,name=trace-path-cpu0",
        "virtserialport,bus=vser0.0,chardev=tp1,name=trace-path-cpu1",
        `virtserialport,bus=vser0.0,chardev=ctl,name=${CONTROL_PORT}`,
      ],
    });
    expect(values("-append")[0]).toContain(`vtrace.ports=3 vtrace.cmd=${btoa("true")}`);
  });

  test("qemuArgs() moves a command too long for the kernel command line to fw_cfg", () => {
    const command = `echo ${"x".repeat(2000)}, done`;
    const args = qemuArgs({ name: "g", cpus: 1, command }, FAKE_IMAGE);
    expect(args.join(" ")).not.toContain("vtrace.cmd=");
    expect(args).toContain(`name=opt/vtrace/cmd,string=${command.replaceAll(",", ",,")}`);
  });
});

describe.skipIf(skip)("test guest (QEMU TCG)", () => {
  test("bootGuest() runs the compiled vtrace --version inside a 2-vCPU guest", async () => {
    const host = await run([VTRACE_BIN, "--version"]);
    await using guest = await bootGuest({ name: "version", cpus: 2, image, command: 'echo "cpus=$(nproc)"; vtrace --version' });
    const ready = await guest.waitForConsole(GUEST_READY, STEP_MS);
    const r = await guest.result(STEP_MS);
    const ran = r.console.slice(r.console.indexOf(ready) + ready.length, r.console.search(GUEST_EXIT));
    expect({ qemu: r.qemuCode, guest: r.guestCode, ran }).toEqual({ qemu: 0, guest: 0, ran: `cpus=2\n${host.stdout}` });
  }, TEST_MS);

  test("bytes written to /dev/virtio-ports/trace-path-cpu0 and cpu1 arrive intact on the host .out FIFOs", async () => {
    using dir = tempDir("guest-fifo");
    await makeTraceFifos(dir.path, 2);
    using cpu0 = readFifo(join(dir.path, "trace-path-cpu0.out"));
    using cpu1 = readFifo(join(dir.path, "trace-path-cpu1.out"));
    // 2 MiB of random bytes per port, far more than the 64 KiB FIFO buffer; both ports at once.
    const command = [
      "for c in 0 1; do head -c 2097152 /dev/urandom > /tmp/p$c; echo \"sent cpu$c $(wc -c < /tmp/p$c) $(sha256sum /tmp/p$c | cut -d' ' -f1)\"; done",
      "dd if=/tmp/p0 of=/dev/virtio-ports/trace-path-cpu0 bs=64k 2>/dev/null & dd if=/tmp/p1 of=/dev/virtio-ports/trace-path-cpu1 bs=64k 2>/dev/null & wait",
    ].join("\n");
    await using guest = await bootGuest({ name: "fifo", cpus: 2, image, fifoDir: dir.path, command });
    const r = await guest.result(STEP_MS);
    const sent = Object.fromEntries([...r.console.matchAll(/^sent (cpu\d) (\d+) ([0-9a-f]{64})$/gm)].map((m) => [m[1], { size: Number(m[2]), sha256: m[3] }]));
    const got = async (reader: typeof cpu0) => {
      const bytes = await reader.bytes;
      return { size: bytes.length, sha256: sha256(bytes) };
    };
    expect({ guest: r.guestCode, got: { cpu0: await got(cpu0), cpu1: await got(cpu1) } }).toEqual({ guest: 0, got: sent });
    expect(sent.cpu0?.size).toBe(2097152);
  }, TEST_MS);

  test("the agent-ctl-path port carries a line each way between the guest and a host unix socket", async () => {
    using dir = tempDir("guest-ctl");
    const socket = join(dir.path, "agent-ctl-path");
    const { promise: line, resolve } = Promise.withResolvers<string>();
    let buffered = "";
    const server = Bun.listen({
      unix: socket,
      socket: {
        data(s, data) {
          buffered += data.toString();
          if (!buffered.includes("\n")) return;
          resolve(buffered.slice(0, buffered.indexOf("\n")));
          s.write("pong-from-host\n");
        },
      },
    });
    try {
      // one fd kept open both ways: a reply sent while the guest has the port closed is dropped
      const command = `exec 3<>/dev/virtio-ports/${CONTROL_PORT}\necho ping-from-guest >&3\nread -r reply <&3\necho "guest got: $reply"`;
      await using guest = await bootGuest({ name: "ctl", cpus: 1, image, controlSocket: socket, command });
      expect(await line).toBe("ping-from-guest");
      expect(await guest.waitForConsole(/guest got: .*\n/, STEP_MS)).toBe("guest got: pong-from-host\n");
      expect((await guest.result(STEP_MS)).guestCode).toBe(0);
    } finally {
      server.stop(true);
    }
  }, TEST_MS);

  test("guest tracefs: sched events read from per_cpu/cpuN/trace_pipe_raw as whole 4096-byte pages", async () => {
    using dir = tempDir("guest-tracefs");
    await makeTraceFifos(dir.path, 2);
    using cpu0 = readFifo(join(dir.path, "trace-path-cpu0.out"));
    using cpu1 = readFifo(join(dir.path, "trace-path-cpu1.out"));
    const command = [
      "cd /sys/kernel/tracing",
      "echo 1 > events/sched/enable",
      "echo 1 > tracing_on",
      "for c in 0 1; do taskset -c $c sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done'; done",
      "echo 0 > tracing_on",
      'echo "clock: $(cat trace_clock)"',
      "for c in 0 1; do dd if=per_cpu/cpu$c/trace_pipe_raw of=/tmp/raw$c bs=4096 count=1 2>/dev/null; echo \"raw cpu$c $(wc -c < /tmp/raw$c)\"; done",
      "for c in 0 1; do cat /tmp/raw$c > /dev/virtio-ports/trace-path-cpu$c; done",
    ].join("\n");
    await using guest = await bootGuest({ name: "tracefs", cpus: 2, image, fifoDir: dir.path, command });
    const r = await guest.result(STEP_MS);
    expect(r.guestCode).toBe(0);
    expect(r.console).toMatch(/^clock: .*\[global\]/m);
    expect([...r.console.matchAll(/^raw (cpu\d) (\d+)$/gm)].map((m) => `${m[1]}=${m[2]}`)).toEqual(["cpu0=4096", "cpu1=4096"]);
    const layout = { littleEndian: true, longSize: 8 };
    for (const reader of [cpu0, cpu1]) {
      const page = await reader.bytes;
      const header = decodePageHeader(page, layout);
      expect({ size: page.length, fits: header.commit > 0 && header.commit <= 4096 - 16 }).toEqual({ size: 4096, fits: true });
      expect([...decodePage(page, layout)].length).toBeGreaterThan(0);
    }
  }, TEST_MS);

  test("result() gives the guest command's exit status, and waitForConsole() fails once QEMU has exited", async () => {
    await using guest = await bootGuest({ name: "exit", cpus: 1, image, command: "echo about-to-fail; exit 7" });
    const never = guest.waitForConsole(/never printed\n/, STEP_MS);
    const r = await guest.result(STEP_MS);
    expect({ qemu: r.qemuCode, guest: r.guestCode, said: r.console.includes("about-to-fail\n") }).toEqual({ qemu: 0, guest: 7, said: true });
    await expect(never).rejects.toThrow(/QEMU exited before \/never printed/);
  }, TEST_MS);

  test("bootGuest() passes a command longer than the kernel command line through fw_cfg", async () => {
    const command = `: ${"x".repeat(3000)}\necho "cmdline: $(cat /proc/cmdline)"\necho long-command-ran`;
    await using guest = await bootGuest({ name: "fwcfg", cpus: 1, image, command });
    const r = await guest.result(STEP_MS);
    expect({ guest: r.guestCode, ran: r.console.includes("\nlong-command-ran\n") }).toEqual({ guest: 0, ran: true });
    expect(r.console).not.toContain("vtrace.cmd=");
  }, TEST_MS);
});
