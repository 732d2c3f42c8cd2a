// mount(2), used only to mount tracefs when it is missing.

import { sysError } from "./errno.ts";
import { libc } from "./libc.ts";

export function mountFs(source: string, target: string, fsType: string): void {
  if (libc.mount(source, target, fsType, 0, null) < 0) throw sysError("mount", target);
}
