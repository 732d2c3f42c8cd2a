// -D: start the same command again, detached, without the daemon flag, and return.

import { selfCommand } from "../self-command.ts";

export function daemonize(...flags: string[]): void {
  const args = process.argv.slice(2).filter((a) => !flags.includes(a));
  const child = Bun.spawn([...selfCommand(), ...args], {
    stdio: ["ignore", "ignore", "ignore"],
    detached: true,
  });
  child.unref();
  process.stderr.write(`started in the background as pid ${child.pid}\n`);
}
