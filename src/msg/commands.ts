// The trace-msg v3 command table: id, name and fixed command-struct size, as one piece of data
// (trace-cmd 3.1.6 lib/trace-cmd/trace-msg.c MSG_MAP).

export const MSG_HDR_LEN = 12;
export const MSG_MAX_LEN = 8192;
/** Largest SEND_DATA payload: the whole message is at most 8192 bytes. */
export const MSG_MAX_DATA_LEN = MSG_MAX_LEN - MSG_HDR_LEN;
/** Wait for an expected reply (trace-cmd's MSG_WAIT_MSEC). */
export const MSG_WAIT_MS = 5000;
export const TRACECMD_TSYNC_PNAME_LENGTH = 16;
export const MSG_TRACE_USE_FIFOS = 1;

export const MSG_COMMANDS = [
  { id: 0, name: "CLOSE", fixedSize: 0 },
  { id: 1, name: "TINIT", fixedSize: 12 },
  { id: 2, name: "RINIT", fixedSize: 4 },
  { id: 3, name: "SEND_DATA", fixedSize: 0 },
  { id: 4, name: "FIN_DATA", fixedSize: 0 },
  { id: 5, name: "NOT_SUPP", fixedSize: 0 },
  { id: 6, name: "TRACE_REQ", fixedSize: 16 },
  { id: 7, name: "TRACE_RESP", fixedSize: 40 },
  { id: 8, name: "CLOSE_RESP", fixedSize: 0 },
  { id: 9, name: "TIME_SYNC", fixedSize: 20 },
  { id: 10, name: "TRACE_PROXY", fixedSize: 24 },
  { id: 11, name: "CONT", fixedSize: 0 },
] as const;

export type MsgName = (typeof MSG_COMMANDS)[number]["name"];

const BY_NAME = new Map<string, (typeof MSG_COMMANDS)[number]>(MSG_COMMANDS.map((c) => [c.name, c]));

export function commandByName(name: MsgName): (typeof MSG_COMMANDS)[number] {
  return BY_NAME.get(name)!;
}

export function commandById(id: number): (typeof MSG_COMMANDS)[number] | undefined {
  return MSG_COMMANDS[id];
}
