// Which tracefs file `show` prints: trace, trace_pipe (-p) or snapshot (-s), of one CPU (-c) and one
// instance (-B); and the control files its --name options print.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-show.c trace_show().

import { UsageError } from "../errors.ts";

/** --option → the instance file it prints, in trace-cmd's order. */
export const SHOWN_FILES: [option: string, file: string][] = [
  ["tracing_on", "tracing_on"],
  ["current_tracer", "current_tracer"],
  ["buffer_size", "buffer_size_kb"],
  ["buffer_total_size", "buffer_total_size_kb"],
  ["ftrace_filter", "set_ftrace_filter"],
  ["ftrace_notrace", "set_ftrace_notrace"],
  ["ftrace_pid", "set_ftrace_pid"],
  ["graph_function", "set_graph_function"],
  ["graph_notrace", "set_graph_notrace"],
  ["cpumask", "tracing_cpumask"],
];

export interface ShowTarget {
  instance?: string;
  cpu?: string;
  pipe?: boolean;
  snapshot?: boolean;
}

/** The path under the tracefs root, e.g. "instances/foo/per_cpu/cpu1/trace_pipe". */
export function showPath(t: ShowTarget): string {
  if (t.pipe && t.snapshot) throw new UsageError("-p and -s cannot go together");
  let file = t.pipe ? "trace_pipe" : t.snapshot ? "snapshot" : "trace";
  if (t.cpu !== undefined) file = `per_cpu/cpu${cpuIndex(t.cpu)}/${file}`;
  return t.instance === undefined ? file : `instances/${t.instance}/${file}`;
}

/** strtol(cpu, 0): decimal, 0x hex or 0 octal. */
function cpuIndex(cpu: string): number {
  const text = cpu.trim();
  const n = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^0[0-7]+$/.test(text) ? parseInt(text, 8) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`invalid CPU index '${cpu}'`);
  return n;
}
