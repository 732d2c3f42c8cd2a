// What counts as "the disk is full": ENOSPC, or EDQUOT (the user's quota is), from any libc call.

import { ENOSPC } from "../../ffi/errno.ts";
import { SysError } from "../errors.ts";

const EDQUOT = 122;

export function isDiskFull(e: unknown): boolean {
  return e instanceof SysError && (e.errno === ENOSPC || e.errno === EDQUOT);
}
