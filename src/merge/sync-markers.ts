// Clock-sync markers in trace data: the host writes "vtrace-sync-send DOMAIN SEQ" and
// "vtrace-sync-recv DOMAIN SEQ" into its trace_marker around each probe, the guest writes
// "vtrace-sync SEQ" when it handles the probe. Finding them needs only the ftrace:print layout. Pure.

import { untilNul } from "../lib/cursor.ts";
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

const SYNC_PREFIX = [..."vtrace-sync"].map((c) => c.charCodeAt(0));
const decoder = new TextDecoder();

/** The text of a print event's buf when it is a vtrace-sync marker, else undefined. */
export function syncMarkerText(payload: Uint8Array, bufOffset: number): string | undefined {
  if (payload.length < bufOffset + SYNC_PREFIX.length || SYNC_PREFIX.some((c, i) => payload[bufOffset + i] !== c)) return undefined;
  return decoder.decode(untilNul(payload.subarray(bufOffset))).trimEnd();
}

/** The vtrace-sync markers in whole pages of one CPU's data. */
export function* syncMarkers(data: Uint8Array, pageSize: number, layout: PageLayout, print: PrintLayout): Generator<Marker> {
  for (let at = 0; at + pageSize <= data.length; at += pageSize) {
    const page = data.subarray(at, at + pageSize);
    for (const ev of decodePage(page, layout)) {
      const type = layout.littleEndian ? page[ev.offset]! | (page[ev.offset + 1]! << 8) : (page[ev.offset]! << 8) | page[ev.offset + 1]!;
      if (type !== print.id) continue;
      const text = syncMarkerText(page.subarray(ev.offset, ev.offset + ev.size), print.bufOffset);
      if (text !== undefined) yield { tsRaw: ev.ts, text };
    }
  }
}

export type SyncMarkerRole = "send" | "recv" | "guest";

/** "vtrace-sync-send D N" / "vtrace-sync-recv D N" (host) or "vtrace-sync N" (guest). */
export function parseSyncMarker(text: string): { role: SyncMarkerRole; domain?: string; seq: string } | undefined {
  const host = /^vtrace-sync-(send|recv) (\S+) (\d+)$/.exec(text);
  if (host) return { role: host[1] as "send" | "recv", domain: host[2]!, seq: host[3]! };
  const guest = /^vtrace-sync (\d+)$/.exec(text);
  return guest ? { role: "guest", seq: guest[1]! } : undefined;
}

/**
 * Written by the guest agent's reactor thread the moment a message arrives on its control port
 * during a session, before its event loop runs: the earliest guest-side time of a probe, which
 * keeps the guest's event-loop latency out of the host → guest leg of each round trip.
 */
export const WAKE_MARKER = "vtrace-sync-wake";

export interface GuestProbeStamps<T> {
  /** When the probe arrived: the latest wake stamp since the previous probe, else `replied`. */
  arrived: T;
  /** The probe marker, written just before the reply is sent. */
  replied: T;
}

type ParsedMarker = NonNullable<ReturnType<typeof parseSyncMarker>>;

/**
 * Each sync marker of `events` (in time order) with the reactor's wake stamp written since the
 * marker before it, if any: the arrival that marker's task then handled.
 */
function* markersWithWakes<T>(events: readonly T[], textOf: (e: T) => string | undefined): Generator<{ e: T; marker: ParsedMarker; wake: T | undefined }> {
  let wake: T | undefined;
  for (const e of events) {
    const text = textOf(e);
    if (text === WAKE_MARKER) {
      wake = e;
      continue;
    }
    const marker = text === undefined ? undefined : parseSyncMarker(text);
    if (!marker) continue;
    yield { e, marker, wake };
    wake = undefined;
  }
}

/**
 * The guest's two stamps of each probe, by sequence number. `events` are in time order; the first
 * marker of a sequence number wins.
 */
export function guestProbeStamps<T>(events: readonly T[], textOf: (e: T) => string | undefined): Map<string, GuestProbeStamps<T>> {
  const stamps = new Map<string, GuestProbeStamps<T>>();
  for (const { e, marker, wake } of markersWithWakes(events, textOf)) {
    if (marker.role === "guest" && !stamps.has(marker.seq)) stamps.set(marker.seq, { arrived: wake ?? e, replied: e });
  }
  return stamps;
}

export interface HostProbeStamps<T> {
  sent: T;
  /** When the reply arrived: the waiter's wake stamp since the send, else the recv marker. */
  received: T;
  /** The recv marker itself, written by the task that read the reply. */
  recvMarker: T;
}

/**
 * The host's two stamps of each probe of `domain`, by sequence number. `events` are in time order
 * (all domains' markers: rounds run one at a time, so a wake stamp after a send is its reply's).
 */
export function hostProbeStamps<T>(events: readonly T[], textOf: (e: T) => string | undefined, domain: string): Map<string, HostProbeStamps<T>> {
  const sent = new Map<string, T>();
  const stamps = new Map<string, HostProbeStamps<T>>();
  for (const { e, marker, wake } of markersWithWakes(events, textOf)) {
    if (marker.role === "guest" || marker.domain !== domain) continue;
    if (marker.role === "send") {
      if (!sent.has(marker.seq)) sent.set(marker.seq, e);
      continue;
    }
    const s = sent.get(marker.seq);
    if (s && !stamps.has(marker.seq)) stamps.set(marker.seq, { sent: s, received: wake ?? e, recvMarker: e });
  }
  return stamps;
}

const byTime = (a: Marker, b: Marker) => (a.tsRaw < b.tsRaw ? -1 : a.tsRaw > b.tsRaw ? 1 : 0);

/** Pairs the host's stamps of each probe to `domain` with the guest's, by sequence number. */
export function pairSyncSamples(host: readonly Marker[], guest: readonly Marker[], domain: string): HandshakeSample[] {
  const hostStamps = hostProbeStamps([...host].sort(byTime), (m) => m.text, domain);
  const out: HandshakeSample[] = [];
  for (const [seq, g] of guestProbeStamps([...guest].sort(byTime), (m) => m.text)) {
    const h = hostStamps.get(seq);
    if (h) out.push({ hostSent: h.sent.tsRaw, hostReceived: h.received.tsRaw, guestTsc: g.arrived.tsRaw, guestReplied: g.replied.tsRaw });
  }
  return out;
}
