// `report --stat`, `--uname`, `--version`: per -i file, "cpus=N" then what the file's options recorded.
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-read.c read_data_info() (the otype switch; uname
// falls through to version), print_handle_file(); lib/trace-cmd/trace-input.c tracecmd_print_stats(),
// show_cpu_stats(), tracecmd_print_uname(), tracecmd_print_version(), init_cpu_zpage()/init_cpu_zfile()
// (compressed CPU data is shown at a virtual offset with its uncompressed size).

import { VtraceError } from "../../errors.ts";
import type { ByteSink } from "../../lib/byte-sink.ts";
import type { TraceDat } from "../../tracedat/reader/trace-dat.ts";
import { basename } from "../handles.ts";

export type FileInfoMode = "stat" | "uname" | "version";

export interface FileInfoInput {
  path: string;
  dat: TraceDat;
}

const STAT_HEADER =
  "\nKernel buffer statistics:\n" +
  '  Note: "entries" are the entries left in the kernel ring buffer and are not\n' +
  "        recorded in the trace data. They should all be zero.\n\n";

export function writeFileInfo(mode: FileInfoMode, inputs: readonly FileInfoInput[], out: ByteSink): void {
  const prefix = filePrefix(inputs);
  for (const [i, { dat }] of inputs.entries()) {
    out.write(`${prefix(i)}cpus=${dat.cpuCount}\n`);
    if (dat.latencyText) {
      // read_data_info() prints a latency file's text and stops, or dies when several files are read.
      if (inputs.length > 1) throw new VtraceError("latency traces do not work with multiple inputs");
      out.write(`${new TextDecoder().decode(dat.latencyText)}\n`);
      return;
    }
    out.write(modeText(mode, dat));
  }
}

function modeText(mode: FileInfoMode, dat: TraceDat): string {
  if (mode === "stat") return STAT_HEADER + statsText(dat);
  const version = `${dat.options.version ?? " version was not recorded in this file"}\n`;
  if (mode === "version") return version;
  return `${dat.options.uname ?? " uname was not recorded in this file"}\n${version}`;
}

/** tracecmd_print_stats(): the CPUSTAT texts (each NUL made a newline) and one more newline, then the CPU table. */
export function statsText(dat: TraceDat): string {
  const stats = dat.options.cpustats;
  const head = stats.length > 0 ? `${stats.map((s) => `${s}\n`).join("")}\n` : " No stats in this file\n";
  return head + cpuTableText(dat);
}

/** show_cpu_stats(): each entry of the top buffer's CPU table, numbered by position. */
function cpuTableText(dat: TraceDat): string {
  const top = dat.buffers[0];
  if (!top) return "";
  let nextVirtual = dat.params.pageSize;
  return top.cpus
    .map((ref, i) => {
      let { offset, size } = ref;
      if (top.compressed && size > 0) {
        // Decompressed CPU data is addressed from page_size on, each CPU page-aligned after the last.
        size = uncompressedSize(dat, offset);
        offset = nextVirtual;
        nextVirtual = alignUp(nextVirtual + size, dat.params.pageSize);
      }
      return `CPU${i} data recorded at offset=0x${offset.toString(16)}\n    ${size} bytes in size\n`;
    })
    .join("");
}

function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** The sum of the uncompressed sizes in a CPU's chunk headers: u32 count, then {u32 compressed, u32 uncompressed, data}. */
export function uncompressedSize(dat: TraceDat, offset: number): number {
  const le = dat.params.littleEndian;
  const u32 = (at: number) => {
    const b = dat.source.read(at, 4);
    if (b.length < 4) throw new VtraceError(`cannot read a chunk header at offset ${at}: the file ends at ${dat.source.size}`, { offset: at });
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, le);
  };
  const count = u32(offset);
  let at = offset + 4;
  let total = 0;
  for (let i = 0; i < count; i++) {
    total += u32(at + 4);
    at += 8 + u32(at);
  }
  return total;
}

/** print_handle_file(): with several -i files, the base name right-aligned to the longest, then ": ". */
function filePrefix(inputs: readonly FileInfoInput[]): (i: number) => string {
  if (inputs.length < 2) return () => "";
  const names = inputs.map((input) => basename(input.path));
  const width = Math.max(...names.map((n) => n.length));
  return (i) => (names[i] ? `${names[i]!.padStart(width)}: ` : `${"".padStart(width)}  `);
}
