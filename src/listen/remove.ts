// Removing a temporary file that may already be gone.

import { unlinkSync } from "node:fs";

export function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // gone
  }
}
