// Builds the standalone binary: `bun build --compile` with every Worker as an extra entry point,
// and without the runtime's automatic loading of .env / bunfig.toml from the working folder.
// (A bytecode cache would start ~60 ms faster, but it needs CommonJS output, with which the guest
// agent's warm Workers never start streaming: measured, so the build stays ESM.)
//   bun build/compile.ts            → dist/vtrace (this machine's arch, glibc x64 baseline-compatible)
//   bun build/compile.ts --arm64    → also dist/vtrace-linux-arm64 (runtime fetched from npm)

import { mkdirSync } from "node:fs";

const ENTRYPOINTS = ["src/cli.ts", "src/recorder/mover.worker.ts", "src/transport/poller.worker.ts"];
const COMMON_FLAGS = ["--compile", "--minify", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig"];

interface Target {
  outfile: string;
  target?: string;
}

function targetsFrom(args: string[]): Target[] {
  const targets: Target[] = [{ outfile: "dist/vtrace" }];
  if (args.includes("--arm64")) targets.push({ outfile: "dist/vtrace-linux-arm64", target: "bun-linux-arm64" });
  return targets;
}

async function build(t: Target): Promise<void> {
  const argv = [process.execPath, "build", ...COMMON_FLAGS, ...(t.target ? [`--target=${t.target}`] : []), ...ENTRYPOINTS, "--outfile", t.outfile];
  const proc = Bun.spawn(argv, { stdio: ["ignore", "inherit", "inherit"] });
  if ((await proc.exited) !== 0) {
    process.stderr.write(`build: ${t.outfile} failed\n`);
    process.exit(1);
  }
}

mkdirSync("dist", { recursive: true });
for (const t of targetsFrom(process.argv.slice(2))) await build(t);
