// Error kinds shared by every layer. Leaf module: imports nothing.
// The CLI prints `vtrace <cmd>: <message>` and picks the exit code from the kind.

export type ErrorContext = Record<string, string | number | bigint | boolean | undefined>;

export class VtraceError extends Error {
  constructor(
    message: string,
    readonly context: ErrorContext = {},
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The bytes are wrong. */
export class FormatError extends VtraceError {}
/** The bytes stop short of what the format promises. */
export class TruncatedError extends VtraceError {}
/** A peer broke the message sequence. */
export class ProtocolError extends VtraceError {}
/** The user asked for something impossible; exit code 2. */
export class UsageError extends VtraceError {}
/** The environment cannot do what is needed (not root, no tracefs); exit code 2. */
export class EnvironmentError extends VtraceError {}

/** A failed libc call; created only in ffi/. */
export class SysError extends VtraceError {
  constructor(
    readonly call: string,
    readonly errno: number,
    readonly errnoName: string,
    readonly path?: string,
    context: ErrorContext = {},
  ) {
    super(`${call}${path !== undefined ? ` '${path}'` : ""}: ${errnoName} (${describeErrno(errnoName)})`, context);
  }
}

const ERRNO_TEXT: Record<string, string> = {
  EPERM: "operation not permitted",
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EEXIST: "file exists",
  EBUSY: "device or resource busy",
  EINVAL: "invalid argument",
  ENOSPC: "no space left on device",
  EPIPE: "broken pipe",
  ENXIO: "no such device or address",
  ECONNREFUSED: "connection refused",
  EADDRINUSE: "address already in use",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  EROFS: "read-only file system",
  ENODEV: "no such device",
  EBADF: "bad file descriptor",
  ELOOP: "too many levels of symbolic links",
};

function describeErrno(name: string): string {
  return ERRNO_TEXT[name] ?? "system error";
}
