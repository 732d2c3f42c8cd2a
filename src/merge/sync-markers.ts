// Clock-sync markers in trace data: the host writes "vtrace-sync-send DOMAIN SEQ" and
// "vtrace-sync-recv DOMAIN SEQ" into its trace_marker around each probe, the guest writes
// "vtrace-sync SEQ" when it handles the probe. Finding them needs only the ftrace:print layout. Pure.

import { decodePage, type PageLayout } from "../ringbuf/page.ts";
import type { HandshakeSample } from "./clock-map.ts";

export interface PrintLayout {
  id: number;
  bufOffset: number;
}

/** ftrace:print's event id and the offset of its buf field, from the ftrace format files. */
export function printLayout(ftraceFormats: readonly Uint8Array[]): PrintLayout | undefined {
  const dec = new TextDecoder();
  for (const f of ftraceFormats) {
    const text = dec.decode(f);
    if (!/^name: print$/m.test(text)) continue;
    const id = /^ID: (\d+)$/m.exec(text);
    const buf = /field:char buf\[\];\s*offset:(\d+);/.exec(text);
    if (id && buf) return { id: Number(id[1]), bufOffset: Number(buf[1]) };
  }
  return undefined;
}

export interface Marker {
  tsRaw: bigint;
  text: string;
}

/** The vtrace-sync markers in whole pages of one CPU's data. */
export function* syncMarkers(data: Uint8Array, pageSize: number, layout: PageLayout, print: PrintLayout): Generator<Marker> {
  const dec = new TextDecoder();
  for (let at = 0; at + pageSize <= data.length; at += pageSize) {
    const page = data.subarray(at, at + pageSize);
    for (const ev of decodePage(page, layout)) {
      if (ev.size < print.bufOffset + 11) continue;
      const type = layout.littleEndian ? page[ev.offset]! | (page[ev.offset + 1]! << 8) : (page[ev.offset]! << 8) | page[ev.offset + 1]!;
      if (type !== print.id) continue;
      const raw = page.subarray(ev.offset + print.bufOffset, ev.offset + ev.size);
      const end = raw.indexOf(0);
      const text = dec.decode(end < 0 ? raw : raw.subarray(0, end)).trimEnd();
      if (text.startsWith("vtrace-sync")) yield { tsRaw: ev.ts, text };
    }
  }
}

/** Pairs host send/recv markers for `domain` with the guest's markers by sequence number. */
export function pairSyncSamples(host: readonly Marker[], guest: readonly Marker[], domain: string): HandshakeSample[] {
  const sent = new Map<string, bigint>();
  const received = new Map<string, bigint>();
  for (const m of host) {
    const r = /^vtrace-sync-(send|recv) (\S+) (\d+)$/.exec(m.text);
    if (r && r[2] === domain) (r[1] === "send" ? sent : received).set(r[3]!, m.tsRaw);
  }
  const out: HandshakeSample[] = [];
  for (const m of guest) {
    const r = /^vtrace-sync (\d+)$/.exec(m.text);
    const s = r && sent.get(r[1]!);
    const v = r && received.get(r[1]!);
    if (s !== undefined && s !== null && v !== undefined && v !== null) out.push({ hostSent: s, hostReceived: v, guestTsc: m.tsRaw });
  }
  return out;
}
