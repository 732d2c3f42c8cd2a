// Annotated hex for golden vectors: "e8 03 00 00  # comment" → bytes.
export function hex(text: string): Uint8Array {
  const digits = text
    .split("\n")
    .map((l) => l.replace(/#.*$/, ""))
    .join(" ")
    .split(/\s+/)
    .filter(Boolean);
  return new Uint8Array(digits.map((d) => Number.parseInt(d, 16)));
}
