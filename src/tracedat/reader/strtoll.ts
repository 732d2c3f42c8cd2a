// C strtoll(text, NULL, 0) as trace-cmd applies it to the DATE and OFFSET options: leading blanks,
// a sign, then 0x hex, 0 octal or decimal digits up to the first other character; clamps on overflow.
// Source of truth: ISO C strtoll; trace-cmd 3.1.6 trace-input.c handle_options().

const LLONG_MAX = (1n << 63n) - 1n;
const LLONG_MIN = -(1n << 63n);

export function strtoll(text: string): bigint {
  let i = 0;
  while (i < text.length && " \t\n\v\f\r".includes(text[i]!)) i++;
  let negative = false;
  if (text[i] === "+" || text[i] === "-") negative = text[i++] === "-";
  let base = 10;
  if (text[i] === "0" && (text[i + 1] === "x" || text[i + 1] === "X") && /[0-9a-fA-F]/.test(text[i + 2] ?? "")) {
    base = 16;
    i += 2;
  } else if (text[i] === "0") base = 8;
  let value = 0n;
  const big = BigInt(base);
  for (; i < text.length; i++) {
    const digit = parseInt(text[i]!, base);
    if (Number.isNaN(digit)) break;
    value = value * big + BigInt(digit);
    if (value > LLONG_MAX + 1n) value = LLONG_MAX + 1n;
  }
  const signed = negative ? -value : value;
  return signed > LLONG_MAX ? LLONG_MAX : signed < LLONG_MIN ? LLONG_MIN : signed;
}
