// sizeof() of the C types that appear in print fmts, for the trace file's long size.
// Source of truth: the LP64 / ILP32 C data models.

export function sizeOfType(type: string, longSize: number): number {
  const t = type.replace(/\b(const|volatile|signed|unsigned)\b/g, " ").trim().replace(/\s+/g, " ");
  if (t.endsWith("*")) return longSize;
  const table: Record<string, number> = {
    "": 4, char: 1, u8: 1, s8: 1, __u8: 1, __s8: 1, bool: 1, short: 2, u16: 2, s16: 2, __u16: 2, __s16: 2,
    int: 4, u32: 4, s32: 4, __u32: 4, __s32: 4, long: longSize, "long long": 8, u64: 8, s64: 8, __u64: 8,
    __s64: 8, size_t: longSize, pid_t: 4, dma_addr_t: 8, phys_addr_t: 8, gfp_t: 4,
  };
  return table[t] ?? longSize;
}
