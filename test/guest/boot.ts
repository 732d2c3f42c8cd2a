// Boots the test guest by hand, through the same helper the tests use (test/helpers/guest.ts).
//   bun test/guest/boot.ts [--cpus N] [--memory MB] [--fifo-dir DIR] [--control-socket PATH]
//                          [--binary PATH] [-- COMMAND...]
// Without COMMAND: an interactive shell on the serial console (Ctrl-A x quits, Ctrl-A c is the
// QEMU monitor). With COMMAND: the console goes to stdout, and the exit status is the command's.

import { parseArgs } from "node:util";
import { bootGuest, ensureGuestImage, makeTraceFifos, QEMU, qemuArgs } from "../helpers/guest.ts";
import { VTRACE_BIN } from "../helpers/env.ts";

const { values, positionals } = parseArgs({
  args: Bun.argv.slice(2),
  allowPositionals: true,
  options: {
    cpus: { type: "string", default: "2" },
    memory: { type: "string", default: "1024" },
    "fifo-dir": { type: "string" },
    "control-socket": { type: "string" },
    binary: { type: "string", default: VTRACE_BIN },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  const text = await Bun.file(import.meta.path).text();
  process.stdout.write(text.split("\n\n")[0]!.replaceAll(/^\/\/ ?/gm, "") + "\n");
  process.exit(0);
}

const t0 = performance.now();
const image = await ensureGuestImage(values.binary);
const ms = () => Math.round(performance.now() - t0);
process.stderr.write(`boot: image ${image.dir} ready after ${ms()} ms\n`);
const opts = {
  name: "vtrace-guest",
  cpus: Number(values.cpus),
  memoryMb: Number(values.memory),
  fifoDir: values["fifo-dir"],
  controlSocket: values["control-socket"],
  command: positionals.length > 0 ? positionals.join(" ") : undefined,
  timeoutMs: 24 * 3600_000,
  image,
};

if (opts.command === undefined) {
  if (opts.fifoDir !== undefined) await makeTraceFifos(opts.fifoDir, opts.cpus);
  const proc = Bun.spawn([QEMU, ...qemuArgs({ ...opts, interactive: true }, image)], { stdio: ["inherit", "inherit", "inherit"] });
  process.exit(await proc.exited);
}

await using guest = await bootGuest({ ...opts, onConsole: (text) => process.stdout.write(text) });
await guest.waitForConsole(/VTRACE-GUEST-READY/, opts.timeoutMs).then(
  () => process.stderr.write(`boot: guest ready after ${ms()} ms\n`),
  () => undefined,
);
const r = await guest.result(opts.timeoutMs);
process.stderr.write(`boot: qemu exit ${r.qemuCode}, guest rc ${r.guestCode ?? "none"}, ${ms()} ms${guest.qemuStderr() ? `\n${guest.qemuStderr()}` : ""}\n`);
process.exit(r.guestCode ?? 125);
