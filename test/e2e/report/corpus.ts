// The recorded corpus used by the report e2e tests and the fuzzer (specs only; files are cached).
import type { CorpusSpec } from "../../helpers/corpus.ts";

export const CORPUS = {
  schedLocal: { buffers: [{ name: "sl", events: ["sched"], clock: "local" }], load: 3 },
  allLocal: { buffers: [{ name: "al", events: ["*:*"], clock: "local", bufferKb: 2048 }], load: 2 },
  mono: { buffers: [{ name: "mo", events: ["sched", "irq", "timer"], clock: "mono" }], load: 2 },
  tsc: { buffers: [{ name: "ts", events: ["sched", "syscalls/sys_enter_openat"], clock: "x86-tsc" }], load: 2 },
  counter: { buffers: [{ name: "co", events: ["sched", "irq"], clock: "counter" }], load: 1 },
  boot: { buffers: [{ name: "bo", events: ["timer", "workqueue", "signal"], clock: "boot" }], load: 2 },
  lost: { buffers: [{ name: "lo", events: ["*:*"], clock: "local", bufferKb: 8 }], load: 3 },
  twoBuffers: {
    buffers: [
      { name: "b1", events: ["sched"], clock: "local" },
      { name: "b2", events: ["irq", "timer"], clock: "local" },
    ],
    load: 2,
  },
} satisfies Record<string, CorpusSpec>;
