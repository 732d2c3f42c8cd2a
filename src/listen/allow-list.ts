// Which peers `listen --allow ADDR[/PREFIX]` lets in: IPv4 and IPv6 networks, matched on the
// peer's address as the socket reports it (an IPv4 peer on a dual-stack socket is ::ffff:a.b.c.d).

import { UsageError } from "../errors.ts";

export interface AllowedNetwork {
  /** The network's address bytes: 4 for IPv4, 16 for IPv6. */
  bytes: Uint8Array;
  prefix: number;
  /** As given, for log lines. */
  text: string;
}

/** Parses `ADDR` or `ADDR/PREFIX`; a bad one is a UsageError naming it. */
export function parseAllowed(spec: string): AllowedNetwork {
  const slash = spec.indexOf("/");
  const addr = slash < 0 ? spec : spec.slice(0, slash);
  const bytes = parseAddress(addr);
  if (!bytes) throw new UsageError(`invalid --allow '${spec}': expected an IPv4 or IPv6 address, optionally /PREFIX`);
  const bits = bytes.length * 8;
  const prefix = slash < 0 ? bits : Number(spec.slice(slash + 1));
  if (slash >= 0 && (!/^\d{1,3}$/.test(spec.slice(slash + 1)) || prefix > bits)) {
    throw new UsageError(`invalid --allow '${spec}': the prefix must be 0 to ${bits}`);
  }
  return { bytes, prefix, text: spec };
}

/** True when `peer` is inside one of the networks. */
export function isAllowed(networks: readonly AllowedNetwork[], peer: string): boolean {
  const bytes = parseAddress(peer);
  if (!bytes) return false;
  return networks.some((n) => {
    const candidate = sameFamily(bytes, n.bytes.length);
    return candidate !== undefined && samePrefix(candidate, n.bytes, n.prefix);
  });
}

/** The peer's address in the network's family: IPv4 and ::ffff:a.b.c.d are one address. */
function sameFamily(peer: Uint8Array, length: number): Uint8Array | undefined {
  if (peer.length === length) return peer;
  if (length === 4) return mappedIpv4(peer);
  const mapped = new Uint8Array(16);
  mapped[10] = mapped[11] = 0xff;
  mapped.set(peer, 12);
  return mapped;
}

function samePrefix(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  const whole = prefix >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[whole]! & mask) === (b[whole]! & mask);
}

/** The IPv4 address inside ::ffff:a.b.c.d, or undefined. */
function mappedIpv4(b: Uint8Array): Uint8Array | undefined {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return undefined;
  return b[10] === 0xff && b[11] === 0xff ? b.subarray(12) : undefined;
}

/** 4 bytes for dotted IPv4, 16 for IPv6 (with ::, an embedded IPv4 tail, a %zone); else undefined. */
export function parseAddress(text: string): Uint8Array | undefined {
  const addr = text.replace(/%[^%]*$/, "");
  return addr.includes(":") ? parseIpv6(addr) : parseIpv4(addr);
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return Uint8Array.from(parts.map(Number));
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const words = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** Hex groups of one side of "::"; a dotted IPv4 last group counts as two. */
function groups(side: string): number[] | undefined {
  if (side === "") return [];
  const parts = side.split(":");
  const out: number[] = [];
  for (const [i, p] of parts.entries()) {
    if (i === parts.length - 1 && p.includes(".")) {
      const v4 = parseIpv4(p);
      if (!v4) return undefined;
      out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(parseInt(p, 16));
    else return undefined;
  }
  return out;
}
