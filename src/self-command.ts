// The command line that runs this vtrace again (a re-run in a small heap, a daemon, libvirt's hook):
// a compiled binary is its own runtime, while from source bun needs the script as well.

export function selfCommand(): string[] {
  return Bun.main.startsWith("/$bunfs/") ? [process.execPath] : [process.execPath, Bun.main];
}
