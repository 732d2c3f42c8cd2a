// -D: start the same command again, detached, without the daemon flag, and return.

export function daemonize(...flags: string[]): void {
  const args = process.argv.slice(2).filter((a) => !flags.includes(a));
  const child = Bun.spawn([process.execPath, ...(isCompiled() ? [] : [process.argv[1]!]), ...args], {
    stdio: ["ignore", "ignore", "ignore"],
    detached: true,
  });
  child.unref();
  process.stderr.write(`started in the background as pid ${child.pid}\n`);
}

function isCompiled(): boolean {
  return process.argv[1]?.startsWith("/$bunfs/") ?? false;
}
