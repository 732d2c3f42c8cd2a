// trace.dat v6 body: metadata in sequence, cpu count, the option block, then "flyrecord" or "latency".
// Source of truth: trace-cmd 3.1.6 trace-input.c read_options_type(), read_cpu_data(),
// init_data_v6(), tracecmd_buffer_instance_handle().

import { FormatError, TruncatedError } from "../../errors.ts";
import { decodeText } from "../../lib/cursor.ts";
import type { CpuDataRef, TraceMetadata } from "../model.ts";
import { TRACECMD_OPTION_DONE } from "../model.ts";
import type { ByteSource } from "./byte-source.ts";
import { inStage, withContext } from "./error-context.ts";
import type { InitialHeader } from "./header.ts";
import * as meta from "./metadata.ts";
import { applyOption, emptyOptions, type FileOptions } from "./options.ts";
import { SourceCursor } from "./source-cursor.ts";
import type { BufferData, TraceDat } from "./trace-dat.ts";

const MAX_CPUS = 1 << 16;

export function openV6(source: ByteSource, header: InitialHeader): TraceDat {
  const { params } = header;
  const c = new SourceCursor(source, params.littleEndian, header.end);
  const { metadata, kallsymsRange } = inStage("metadata", () => readMetadata(c));
  const cpusAt = c.pos;
  const fileCpus = inStage("metadata", () => c.u32("cpu count"));
  if (fileCpus > MAX_CPUS) throw new FormatError(`cpu count ${fileCpus} at offset ${cpusAt} is too large`, { offset: cpusAt, stage: "metadata" });
  const options = emptyOptions();
  const kind = inStage("options", () => readOptionsAndKind(c, options));
  const cpuCount = options.cpuCount ?? fileCpus;
  const base = {
    source,
    params,
    kernelLongSize: meta.kernelLongSize(metadata.headerPage, params.longSize),
    metadata,
    kallsymsRange,
    options,
    cpuCount,
  };
  if (kind === "latency") return { ...base, buffers: [], latencyText: source.read(c.pos, source.size - c.pos) };
  return inStage("buffers", () => {
    const top = readCpuTable(c, cpuCount, params.pageSize);
    const clockText = options.traceClock !== undefined ? decodeText(meta.decodeSized64(c, "trace clock")) : undefined;
    const instances = options.buffersV6.map((b) =>
      withContext("buffer", b.name, `buffer '${b.name}' at offset ${b.offset}`, () => readInstance(source, b.offset, b.name, cpuCount, params)),
    );
    return { ...base, clockText, buffers: [{ ...top, name: "" }, ...instances] };
  });
}

/**
 * Items 1–7 of the v6 body, in file order. kallsyms (megabytes) is read from the file each time it is
 * asked for, not kept: a report decodes it once into its own table or never, and a merge of several
 * files would otherwise hold every file's copy for the whole run (as v7.ts does for its section).
 */
function readMetadata(c: SourceCursor): { metadata: TraceMetadata; kallsymsRange: { offset: number; size: number } } {
  const head = { ...meta.decodeHeaderFiles(c), ftraceFormats: meta.decodeFtraceFormats(c), eventSystems: meta.decodeEventFormats(c) };
  const kallsymsSize = c.u32("kallsyms size");
  const kallsymsAt = c.pos;
  c.skip(kallsymsSize, "kallsyms");
  const metadata: TraceMetadata = { ...head, kallsyms: new Uint8Array(0), printk: meta.decodeSized32(c, "printk"), cmdlines: meta.decodeSized64(c, "cmdlines") };
  const source = c.source;
  Object.defineProperty(metadata, "kallsyms", { enumerable: true, get: () => readKallsyms(source, kallsymsAt, kallsymsSize) });
  return { metadata, kallsymsRange: { offset: kallsymsAt, size: kallsymsSize } };
}

function readKallsyms(source: ByteSource, at: number, size: number): Uint8Array {
  const bytes = source.read(at, size);
  if (bytes.length < size) throw new TruncatedError(`cannot read kallsyms at offset ${at}: need ${size} bytes, read ${bytes.length}`, { what: "kallsyms", offset: at });
  return bytes;
}

/** Reads the optional "options  " block, then the data kind tag. */
function readOptionsAndKind(c: SourceCursor, options: FileOptions): "flyrecord" | "latency" {
  let at = c.pos;
  let tag = decodeText(c.bytesN(10, "data kind tag"));
  if (tag.startsWith("options")) {
    readOptionBlock(c, options);
    at = c.pos;
    tag = decodeText(c.bytesN(10, "data kind tag"));
  }
  if (tag.startsWith("flyrecord")) return "flyrecord";
  if (tag.startsWith("latency")) return "latency";
  throw new FormatError(`expected 'flyrecord' or 'latency' at offset ${at}, found '${tag.replace(/\0.*$/s, "")}'`, { offset: at });
}

function readOptionBlock(c: SourceCursor, options: FileOptions): void {
  for (;;) {
    const id = c.u16("option id");
    if (id === TRACECMD_OPTION_DONE) return;
    const size = c.u32("option size");
    const at = c.pos;
    applyOption(options, id, c.bytesN(size, `option ${id} data`), { littleEndian: c.littleEndian, version: 6, offset: at });
  }
}

function readCpuTable(c: SourceCursor, cpus: number, pageSize: number): Omit<BufferData, "name"> {
  const refs: CpuDataRef[] = [];
  for (let cpu = 0; cpu < cpus; cpu++) {
    refs.push({ cpu, offset: c.u64n(`cpu${cpu} data offset`), size: c.u64n(`cpu${cpu} data size`) });
  }
  return { pageSize, cpus: refs, compressed: false };
}

function readInstance(source: ByteSource, offset: number, name: string, cpus: number, params: InitialHeader["params"]): BufferData {
  const c = new SourceCursor(source, params.littleEndian, offset);
  const own = emptyOptions();
  if (readOptionsAndKind(c, own) !== "flyrecord") throw new FormatError(`buffer '${name}' at offset ${offset} is not a flyrecord`, { offset });
  return { ...readCpuTable(c, own.cpuCount ?? cpus, params.pageSize), name };
}
