// The initial format: magic, "tracing", version, endianness, long size, page size, and from v7 on
// the compression algorithm and version (which pick the decompressor for the compressed sections).
// Source of truth: trace-cmd 3.1.6 tracecmd/trace-dump.c dump_initial_format(), dump_compress().

import { DECOMPRESSORS } from "../reader/compress.ts";
import { TRACE_DAT_MAGIC } from "../model.ts";
import { dumpFailure, FILE_VERSION_SECTIONS, type DumpContext } from "./context.ts";
import { SUMMARY } from "./items.ts";
import { byteString } from "./printer.ts";

const FILE_VERSION_MAX = 7;
const MAGIC_BYTES = 3;

export function dumpInitialFormat(ctx: DumpContext): void {
  const { input, out } = ctx;
  out.print(SUMMARY, "\t[Initial format]\n");
  const magic = input.bytes(MAGIC_BYTES, "the magic");
  if (!magic.every((b, i) => b === TRACE_DAT_MAGIC[i])) throw dumpFailure(ctx, "wrong file magic");
  const tracing = input.bytes(TRACE_DAT_MAGIC.length - MAGIC_BYTES, "the tracing string");
  if (!tracing.every((b, i) => b === TRACE_DAT_MAGIC[MAGIC_BYTES + i])) throw dumpFailure(ctx, `wrong tracing string: ${byteString(tracing)}`);
  const versionText = byteString(input.cstring("the version string"));
  out.print(SUMMARY, `\t\t${versionText}\t[Version]\n`);
  const version = strtoul10(versionText);
  if (version > FILE_VERSION_MAX) throw dumpFailure(ctx, `unsupported file version ${versionText}`);
  ctx.version = Number(version);
  const endian = signedByte(input.bytes(1, "the file endianness"));
  out.print(SUMMARY, `\t\t${endian}\t[${endian ? "Big" : "Little"} endian]\n`);
  input.littleEndian = endian === 0;
  out.print(SUMMARY, `\t\t${signedByte(input.bytes(1, "the bytes per long"))}\t[Bytes in a long]\n`);
  out.print(SUMMARY, `\t\t${input.i32("the page size")}\t[Page size, bytes]\n`);
}

/** dump_compress(): v7 names the algorithm; any but "none" must be one vtrace can decompress. */
export function dumpCompression(ctx: DumpContext): void {
  if (ctx.version < FILE_VERSION_SECTIONS) return;
  const { input, out } = ctx;
  const name = byteString(input.cstring("the compression header"));
  const version = byteString(input.cstring("the compression version"));
  out.print(SUMMARY, `\t\t${name}\t[Compression algorithm]\n`);
  out.print(SUMMARY, `\t\t${version}\t[Compression version]\n`);
  if (name === "none") return;
  const decompress = Object.hasOwn(DECOMPRESSORS, name) ? DECOMPRESSORS[name] : undefined;
  if (!decompress) throw dumpFailure(ctx, `cannot uncompress the file: unknown algorithm '${name}'`);
  input.decompress = decompress;
}

/** strtol(text, NULL, 10) as the unsigned long trace-cmd keeps: a negative number becomes huge. */
function strtoul10(text: string): bigint {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d*)/.exec(text)!;
  const value = m[2] ? BigInt(m[2]) : 0n;
  return m[1] === "-" && value !== 0n ? (1n << 64n) - value : value;
}

function signedByte(b: Uint8Array): number {
  return (b[0]! << 24) >> 24;
}
