// End to end: files `vtrace record` writes (v6, v7 zstd, v7 uncompressed) open in KernelShark 2.2.1;
// the same file cut short is refused, so the check can fail.

import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { instanceName, missing, run, skipBecause, tempDir, VTRACE_BIN } from "../../helpers/env.ts";
import { kernelSharkMissing, openInKernelShark } from "../../helpers/kernelshark.ts";

const why = missing({ tracefs: true, binary: true }) ?? kernelSharkMissing();

describe.skipIf(skipBecause(why, "KernelShark e2e"))("KernelShark opens what vtrace records", () => {
  test.each([["v6", []], ["v7 zstd", ["--file-version", "7"]], ["v7 uncompressed", ["--compression", "none"]]])(
    "record (%s) → KernelShark loads it",
    async (_name, args) => {
      using dir = tempDir("ks");
      const out = `${dir.path}/t.dat`;
      const r = await run([VTRACE_BIN, "record", "-B", instanceName("ks"), "-e", "sched", "-o", out, ...(args as string[]), "--", "sh", "-c", "ls -R /usr/lib >/dev/null"]);
      expect(r.code).toBe(0);
      expect(await openInKernelShark(out)).toEqual({ loaded: true });
      // The same file cut short is refused: the check above is not vacuous.
      const cut = `${dir.path}/cut.dat`;
      writeFileSync(cut, readFileSync(out).subarray(0, 20_000));
      expect((await openInKernelShark(cut)).loaded).toBe(false);
    },
    120_000,
  );
});
