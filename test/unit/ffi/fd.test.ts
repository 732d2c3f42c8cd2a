import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { errnoName } from "../../../ffi/errno.ts";
import { closeFd, makePipe, O_RDONLY, O_WRONLY, O_CREAT, openFd, pipeSize, readFd, setPipeSize, writeFd } from "../../../ffi/fd.ts";
import { makeFifo } from "../../../ffi/fifo.ts";
import { POLLIN, PollSet } from "../../../ffi/poll.ts";
import { SPLICE_F_NONBLOCK, spliceOnce } from "../../../ffi/splice.ts";
import { SysError } from "../../../src/errors.ts";
import { tempDir } from "../../helpers/env.ts";

function sysErrorOf(fn: () => unknown): SysError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SysError) return e;
    throw e;
  }
  throw new Error("expected a SysError");
}

describe("ffi errno mapping", () => {
  test("openFd() names the call, the path and ENOENT", () => {
    const e = sysErrorOf(() => openFd("/nonexistent/vtrace/x", O_RDONLY));
    expect({ call: e.call, errno: e.errno, name: e.errnoName, path: e.path }).toEqual({
      call: "open",
      errno: 2,
      name: "ENOENT",
      path: "/nonexistent/vtrace/x",
    });
    expect(e.message).toBe("open '/nonexistent/vtrace/x': ENOENT (no such file or directory)");
  });

  test("openFd() reports EISDIR and ENOTDIR", () => {
    expect(sysErrorOf(() => openFd("/tmp", O_WRONLY)).errnoName).toBe("EISDIR");
    using dir = tempDir("ffi");
    writeFileSync(`${dir.path}/f`, "x");
    expect(sysErrorOf(() => openFd(`${dir.path}/f/g`, O_RDONLY)).errnoName).toBe("ENOTDIR");
  });

  test("closeFd() of a closed fd is EBADF", () => {
    const p = makePipe();
    closeFd(p.readFd);
    closeFd(p.writeFd);
    expect(sysErrorOf(() => closeFd(p.readFd)).errnoName).toBe("EBADF");
  });

  test("errnoName() knows common names and falls back to the number", () => {
    expect([errnoName(13), errnoName(11), errnoName(32), errnoName(4095)]).toEqual(["EACCES", "EAGAIN", "EPIPE", "errno 4095"]);
  });
});

describe("ffi pipes, splice and poll", () => {
  test("readFd() on an empty non-blocking pipe is 'again', then reads what was written", () => {
    const p = makePipe();
    const buf = new Uint8Array(16);
    expect(readFd(p.readFd, buf)).toBe("again");
    expect(writeFd(p.writeFd, new Uint8Array([1, 2, 3]))).toBe(3);
    expect(readFd(p.readFd, buf)).toBe(3);
    expect([...buf.subarray(0, 3)]).toEqual([1, 2, 3]);
    closeFd(p.readFd);
    closeFd(p.writeFd);
  });

  test("setPipeSize() grows a pipe to 1 MiB", () => {
    const p = makePipe();
    expect(setPipeSize(p.writeFd, 1 << 20)).toBe(1 << 20);
    expect(pipeSize(p.readFd)).toBe(1 << 20);
    closeFd(p.readFd);
    closeFd(p.writeFd);
  });

  test("spliceOnce() moves pipe bytes into a file and is 'again' when empty", async () => {
    using dir = tempDir("splice");
    const p = makePipe();
    const out = openFd(`${dir.path}/out`, O_WRONLY | O_CREAT);
    writeFd(p.writeFd, new TextEncoder().encode("hello splice"));
    expect(spliceOnce(p.readFd, out, 4096, SPLICE_F_NONBLOCK)).toBe(12);
    expect(spliceOnce(p.readFd, out, 4096, SPLICE_F_NONBLOCK)).toBe("again");
    closeFd(out);
    expect(await Bun.file(`${dir.path}/out`).text()).toBe("hello splice");
    closeFd(p.readFd);
    closeFd(p.writeFd);
  });

  test("PollSet.wait() times out with 0, then reports POLLIN on the ready fd only", () => {
    const a = makePipe();
    const b = makePipe();
    const set = new PollSet([
      { fd: a.readFd, events: POLLIN },
      { fd: b.readFd, events: POLLIN },
    ]);
    const t0 = performance.now();
    expect(set.wait(30)).toBe(0);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    writeFd(b.writeFd, new Uint8Array([9]));
    expect(set.wait(1000)).toBe(1);
    expect([set.revents(0) & POLLIN, set.revents(1) & POLLIN]).toEqual([0, POLLIN]);
    for (const fd of [a.readFd, a.writeFd, b.readFd, b.writeFd]) closeFd(fd);
  });

  test("makeFifo() creates a FIFO and refuses an existing path with EEXIST", async () => {
    using dir = tempDir("fifo");
    makeFifo(`${dir.path}/f`, 0o600);
    const st = await Bun.file(`${dir.path}/f`).stat();
    expect(st.isFIFO()).toBe(true);
    expect((st.mode & 0o777).toString(8)).toBe("600");
    expect(sysErrorOf(() => makeFifo(`${dir.path}/f`, 0o600)).errnoName).toBe("EEXIST");
  });
});
