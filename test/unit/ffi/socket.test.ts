import { expect, test } from "bun:test";
import { closeFd, readFd, writeFd } from "../../../ffi/fd.ts";
import { processId } from "../../../ffi/process.ts";
import { acceptConnection, peerCredentials, unixConnect, unixListen } from "../../../ffi/socket.ts";
import { SysError } from "../../../src/errors.ts";
import { tempDir } from "../../helpers/env.ts";

test("unixListen() + unixConnect() carry bytes, and peerCredentials() names the peer process", () => {
  using dir = tempDir("sock");
  const path = `${dir.path}/ctl`;
  const listener = unixListen(path);
  expect(acceptConnection(listener)).toBe("again");
  const client = unixConnect(path);
  const server = acceptConnection(listener);
  if (server === "again") throw new Error("no connection");
  expect(peerCredentials(server).pid).toBe(processId());
  writeFd(client, new Uint8Array([7, 8]));
  const buf = new Uint8Array(4);
  expect(readFd(server, buf)).toBe(2);
  for (const fd of [client, server, listener]) closeFd(fd);
});

test("unixConnect() to a missing socket is ENOENT naming the path", () => {
  try {
    unixConnect("/nonexistent/vtrace.sock");
    throw new Error("connected?");
  } catch (e) {
    expect(e).toBeInstanceOf(SysError);
    expect((e as SysError).message).toBe("connect '/nonexistent/vtrace.sock': ENOENT (no such file or directory)");
  }
});

test("unixListen() on a bound path is EADDRINUSE", () => {
  using dir = tempDir("sock2");
  const fd = unixListen(`${dir.path}/s`);
  expect(() => unixListen(`${dir.path}/s`)).toThrow("EADDRINUSE");
  closeFd(fd);
});
