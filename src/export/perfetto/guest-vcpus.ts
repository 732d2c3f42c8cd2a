// Which host thread runs each guest vCPU: the vCPU table of a host file's GUEST options.
// The reader keeps only each guest's name and trace id (report needs no more), so this walks the
// file's options again with the reader's own section and metadata decoders, for host files only.
// Source of truth: trace-cmd 3.1.6 trace-record.c add_guest_info() (name\0, u64 trace id, int vCPU
// count, then {int vcpu, int host pid} each); trace-input.c handle_options() (v6 block, v7 chain).

import { Cursor } from "../../lib/cursor.ts";
import { TRACECMD_OPTION_DONE, TRACECMD_OPTION_GUEST } from "../../tracedat/model.ts";
import { decodeInitialHeader } from "../../tracedat/reader/header.ts";
import * as meta from "../../tracedat/reader/metadata.ts";
import { readSection } from "../../tracedat/reader/sections.ts";
import { SourceCursor } from "../../tracedat/reader/source-cursor.ts";
import type { TraceDat } from "../../tracedat/reader/trace-dat.ts";

export interface GuestVcpus {
  name: string;
  traceId: bigint;
  /** Host thread id by vCPU number (vCPUs whose thread is unknown are left out). */
  hostTids: Map<number, number>;
}

/** A guard against option chains that loop. */
const MAX_OPTION_SECTIONS = 4096;
const VCPU_ENTRY_BYTES = 8;

/** One GUEST option's payload. A missing or short vCPU table leaves hostTids empty or partial. */
export function decodeGuestOption(data: Uint8Array, littleEndian: boolean): GuestVcpus {
  const c = new Cursor(data, littleEndian);
  const name = c.cstring("guest name");
  const traceId = c.u64("guest trace id");
  const hostTids = new Map<number, number>();
  if (c.remaining < 4) return { name, traceId, hostTids };
  const count = Math.min(c.u32("guest vcpu count"), Math.floor(c.remaining / VCPU_ENTRY_BYTES));
  for (let i = 0; i < count; i++) {
    const vcpu = c.u32("guest vcpu");
    const tid = c.i32("guest vcpu host thread");
    if (tid > 0) hostTids.set(vcpu, tid);
  }
  return { name, traceId, hostTids };
}

/** Every GUEST option of a file, in file order; [] for files that name no guests. */
export function readGuestVcpus(dat: TraceDat): GuestVcpus[] {
  if (dat.options.guests.length === 0) return [];
  const le = dat.params.littleEndian;
  const out: GuestVcpus[] = [];
  const visit = (id: number, data: Uint8Array) => id === TRACECMD_OPTION_GUEST && out.push(decodeGuestOption(data, le));
  if (dat.params.version === 7) walkV7Options(dat, visit);
  else walkV6Options(dat, visit);
  return out;
}

type OptionVisitor = (id: number, data: Uint8Array) => void;

function walkV7Options(dat: TraceDat, visit: OptionVisitor): void {
  const first = decodeInitialHeader(dat.source).firstOptionsOffset ?? 0;
  const ctx = { littleEndian: dat.params.littleEndian, decompress: dat.decompress };
  const seen = new Set<number>();
  for (let at = first; at !== 0 && !seen.has(at) && seen.size < MAX_OPTION_SECTIONS; ) {
    seen.add(at);
    const c = readSection(dat.source, at, TRACECMD_OPTION_DONE, ctx);
    at = 0;
    while (c.remaining >= 6) {
      const id = c.u16("option id");
      const data = c.bytesN(c.u32("option size"), `option ${id} data`);
      if (id !== TRACECMD_OPTION_DONE) visit(id, data);
      else if (data.length >= 8) at = new Cursor(data, ctx.littleEndian).u64n("next options section offset");
    }
  }
}

/** The v6 option block follows the metadata and the cpu count; its tag is "options  \0". */
function walkV6Options(dat: TraceDat, visit: OptionVisitor): void {
  const c = new SourceCursor(dat.source, dat.params.littleEndian, decodeInitialHeader(dat.source).end);
  meta.decodeHeaderFiles(c);
  meta.decodeFtraceFormats(c);
  meta.decodeEventFormats(c);
  meta.decodeSized32(c, "kallsyms");
  meta.decodeSized32(c, "printk");
  meta.decodeSized64(c, "cmdlines");
  c.u32("cpu count");
  if (!new TextDecoder().decode(c.bytesN(10, "data kind tag")).startsWith("options")) return;
  for (let id = c.u16("option id"); id !== TRACECMD_OPTION_DONE; id = c.u16("option id")) {
    const size = c.u32("option size");
    visit(id, c.bytesN(size, `option ${id} data`));
  }
}

