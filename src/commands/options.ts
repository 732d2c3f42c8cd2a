// Turning cac's loosely typed option values into checked ones.

import { existsSync, statSync } from "node:fs";
import { UsageError } from "../errors.ts";
import { resolve } from "node:path";
import { checkVirtDir, DEFAULT_VIRT_DIR } from "../virt/paths.ts";

/** A repeatable option: always a string list (cac gives a value or an array). */
export function listOption(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

export function intOption(v: unknown, name: string, min: number, max: number): number {
  const n = typeof v === "number" ? v : Number(String(v));
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`invalid ${name} '${String(v)}': expected an integer from ${min} to ${max}`);
  }
  return n;
}

/** An option that may be given at most once. */
export function singleOption(v: unknown, name: string): string | undefined {
  const list = listOption(v);
  if (list.length > 1) throw new UsageError(`${name} given ${list.length} times: only one is supported`);
  return list[0];
}

/** An existing folder for output files. */
export function outputFolder(v: unknown): string {
  const dir = String(v);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`output folder '${dir}' does not exist`);
  return dir;
}

/** A base name for server output files: it must not become a path. */
export function outputName(v: unknown): string {
  const name = String(v);
  if (name.includes("/") || name.startsWith(".")) throw new UsageError(`invalid output name '${name}': no '/' or leading '.'`);
  return name;
}

/** The virt folder option, one spelling for every command (--dir is kept as an alias). */
export const VIRT_DIR_FLAG = "--virt-dir, --dir <dir>";

/**
 * cac files both spellings under virtDir. Made absolute and plain (no trailing slash, '.' or '..'):
 * the paths go into libvirt's XML and QEMU's arguments; the root itself is refused.
 */
export function virtDirOf(o: Record<string, unknown>): string {
  return checkVirtDir(resolve(String(o.virtDir ?? DEFAULT_VIRT_DIR)));
}
