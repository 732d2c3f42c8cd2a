// The <channel> elements of a libvirt domain XML as `virsh dumpxml` or a hook's stdin gives it: their
// type, source path and target name; and which of vtrace's channels a domain still lacks. Pure text.
// Source of truth: libvirt docs/formatdomain.rst, "Channel" (<channel type>, <source path>,
// <target type='virtio' name>).

import { VtraceError } from "../errors.ts";
import type { ChannelElement } from "./guest-config.ts";

export interface DomainChannel {
  type?: string;
  source?: string;
  target?: string;
}

export function domainChannels(xml: string): DomainChannel[] {
  return [...xml.matchAll(/<channel\b([^>]*)>([\s\S]*?)<\/channel>/g)].map(([, attrs, body]) => ({
    type: attrOf(attrs!, "type"),
    source: attrOf(/<source\b([^>]*)>/.exec(body!)?.[1] ?? "", "path"),
    target: attrOf(/<target\b([^>]*)>/.exec(body!)?.[1] ?? "", "name"),
  }));
}

/**
 * The channels of `wanted` the domain does not have yet (by target name). A target the domain has
 * with another type or path is an error: the guest sees one port of each name.
 */
export function missingChannels(domain: string, existing: readonly DomainChannel[], wanted: readonly ChannelElement[]): ChannelElement[] {
  return wanted.filter((w) => {
    const have = existing.find((c) => c.target === w.target);
    if (!have) return true;
    if (have.type !== w.type || have.source !== w.source) {
      throw new VtraceError(`domain '${domain}' already has a channel '${w.target}' (${have.type ?? "?"} ${have.source ?? "with no path"}), not ${w.type} ${w.source}: remove it with 'virsh edit ${domain}', or give the --virt-dir it uses`);
    }
    return false;
  });
}

function attrOf(attrs: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*(?:'([^']*)'|"([^"]*)")`).exec(attrs);
  return m ? unescapeXml(m[1] ?? m[2]!) : undefined;
}

const ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) =>
    e.startsWith("#x") ? String.fromCodePoint(Number.parseInt(e.slice(2), 16)) : e.startsWith("#") ? String.fromCodePoint(Number(e.slice(1))) : ENTITIES[e]!,
  );
}
