// The recording arguments the host sends an agent in TRACE_REQ: the part of a `record`
// command line that follows `-A GUEST` (-e EVENT [-f FILTER], -C CLOCK, -b KiB). Pure.

import { UsageError } from "../errors.ts";

export interface AgentRecording {
  events: string[];
  /** -f FILTER for the -e spec before it, applied by the agent in the guest's kernel. */
  filters: { spec: string; filter: string }[];
  clock?: string;
  bufferKb?: number;
}

export function parseAgentArgs(args: readonly string[]): AgentRecording {
  const out: AgentRecording = { events: [], filters: [] };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    const value = args[i + 1];
    if (value === undefined) throw new UsageError(`option ${flag} needs a value`);
    if (flag === "-e" || flag === "--event") out.events.push(value);
    else if (flag === "-f") {
      const spec = out.events.at(-1);
      if (spec === undefined) throw new UsageError(`-f '${value}' must follow the guest's -e EVENT it filters`);
      out.filters.push({ spec, filter: value });
    }
    else if (flag === "-C" || flag === "--clock") out.clock = value;
    else if (flag === "-b" || flag === "--buffer-size") {
      const kb = Number(value);
      if (!Number.isInteger(kb) || kb < 1) throw new UsageError(`invalid -b '${value}'`);
      out.bufferKb = kb;
    } else throw new UsageError(`unsupported guest option '${flag}' (guests take -e, -f, -C, -b)`);
    i++;
  }
  if (out.events.length === 0) throw new UsageError("no events for the guest: give -e EVENT after -A GUEST");
  return out;
}

/** Splits `record` arguments at each `-A NAME`: what comes before is the host's, then each guest's. */
export function splitGuestArgs(argv: readonly string[]): { host: string[]; guests: { name: string; args: string[] }[] } {
  const host: string[] = [];
  const guests: { name: string; args: string[] }[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      host.push(...argv.slice(i));
      break;
    }
    if (a === "-A" || a === "--agent") {
      const name = argv[i + 1];
      if (name === undefined || name.startsWith("-")) throw new UsageError("-A needs a guest name");
      guests.push({ name, args: [] });
      i++;
      continue;
    }
    const owner = guests.at(-1);
    const guestOnly = a === "-e" || a === "-f" || a === "-C" || a === "-b" || a === "--event" || a === "--clock" || a === "--buffer-size";
    if (owner && guestOnly) {
      owner.args.push(a, argv[i + 1] ?? "");
      i++;
    } else host.push(a);
  }
  return { host, guests };
}
