// Worker entry URLs. This module sits beside src/cli.ts on purpose: in a compiled binary
// import.meta.url is the bundle's (the entry's folder), so paths must be relative to src/.
// build/compile.ts lists every file named here as an extra entry point.

export const MOVER_WORKER_URL = new URL("./recorder/mover.worker.ts", import.meta.url).href;
export const POLLER_WORKER_URL = new URL("./transport/poller.worker.ts", import.meta.url).href;
