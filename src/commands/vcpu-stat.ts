// `vtrace vcpu-stat`: a host + guests set opened at the edge, src/analysis/ computes, text or JSON out.

import type { CAC } from "cac";
import { UsageError } from "../errors.ts";
import { computeVcpuStat } from "../analysis/vcpu-stat-run.ts";
import { formatVcpuStatJson } from "../analysis/vcpu-stat-json.ts";
import { formatVcpuStat } from "../analysis/vcpu-stat-text.ts";
import { openInputFile, type FileSource } from "../io/file-source.ts";
import { FdWriter } from "../io/stdout-writer.ts";
import type { ReportInput } from "../report/handles.ts";
import { inFile } from "../tracedat/reader/error-context.ts";
import { openTraceDat } from "../tracedat/reader/open.ts";
import { intOption, listOption, singleOption } from "./options.ts";

export function registerVcpuStat(cli: CAC): void {
  cli
    .command("vcpu-stat", "Where guest vCPUs' time went on the host: running, preempted (and by whom), halted, in the hypervisor")
    .option("-i, --input <file>", "The host's trace.dat and its guest files (repeat)", { type: [String] })
    .option("--json", "JSON for scripts instead of text")
    .option("--top <n>", "Rows per list (preemptors, guest tasks, stalls, exits)", { default: 10 })
    .example("vtrace vcpu-stat -i trace.dat -i trace-g1.dat")
    .action((flags: Record<string, unknown>) => {
      const paths = listOption(flags.input);
      if (paths.length === 0) throw new UsageError("give the host file and its guest files: -i trace.dat -i trace-GUEST.dat ...");
      const top = intOption(singleOption(flags.top, "--top"), "--top", 1, 1_000_000);
      runVcpuStat(paths, top, flags.json === true);
    });
}

function runVcpuStat(paths: string[], top: number, json: boolean): void {
  const sources: FileSource[] = [];
  try {
    const inputs = paths.map((path): ReportInput => {
      const source = openInputFile(path);
      sources.push(source);
      return { path, dat: inFile(path, () => openTraceDat(source)), userOffsetNs: 0n };
    });
    const report = computeVcpuStat(inputs, top);
    for (const w of report.warnings) process.stderr.write(`vtrace vcpu-stat: warning: ${w}\n`);
    const out = new FdWriter(1);
    try {
      out.write(json ? formatVcpuStatJson(report, top) : formatVcpuStat(report, { top }));
    } finally {
      out.flush();
    }
    if (report.error) throw report.error;
  } finally {
    for (const s of sources) s[Symbol.dispose]();
  }
}
