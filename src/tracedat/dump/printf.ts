// The few C printf conversions trace-cmd dump uses, on values as the C code holds them (%d of a
// 64-bit value shows its low 32 bits, %llX of a negative shows its two's complement, "%10.lld" of 0
// is all blanks). Source of truth: ISO C printf; trace-cmd 3.1.6 tracecmd/trace-dump.c.

/** %d: the low 32 bits as a signed int. */
export function cInt(v: number | bigint): string {
  return String(BigInt.asIntN(32, BigInt(v)));
}

/** %lld: the low 64 bits as a signed long long. */
export function cLongLong(v: number | bigint): string {
  return String(BigInt.asIntN(64, BigInt(v)));
}

/** %llu: the low 64 bits as unsigned. */
export function cULongLong(v: number | bigint): string {
  return String(BigInt.asUintN(64, BigInt(v)));
}

/** %llX of a 64-bit value. */
export function cHex64(v: number | bigint): string {
  return BigInt.asUintN(64, BigInt(v)).toString(16).toUpperCase();
}

/** %X (or %llX of a zero-extended 32-bit value). */
export function cHex32(v: number | bigint): string {
  return BigInt.asUintN(32, BigInt(v)).toString(16).toUpperCase();
}

/** %Nd / %Nlld: right-aligned in `width` columns. */
export function padLeft(text: string, width: number): string {
  return text.padStart(width, " ");
}

/** %-Nlld: left-aligned in `width` columns. */
export function padRight(text: string, width: number): string {
  return text.padEnd(width, " ");
}

/** "%10.lld": precision 0, so the value 0 prints no digits at all. */
export function cLongLongNoZero(v: bigint, width: number): string {
  const n = BigInt.asIntN(64, v);
  return padLeft(n === 0n ? "" : String(n), width);
}
