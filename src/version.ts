// The one version string; package.json carries the same number.
export const VTRACE_VERSION = "0.1.0";
