// `vtrace attach`: joins a host file and a guest file recorded apart into one host + guest set.

import type { CAC } from "cac";
import { basename } from "node:path";
import { UsageError } from "../errors.ts";
import { attachGuest } from "../merge/attach.ts";
import { singleOption } from "./options.ts";

export function registerAttach(cli: CAC): void {
  cli
    .command("attach <host> <guest>", "Make a host file and a guest file recorded apart one set: GUEST option in HOST, TIME_SHIFT in GUEST (both rewritten)")
    .option("--vcpus <tids>", "Host thread ids of the guest's vCPU threads, vCPU 0 first (comma list; QEMU names them 'CPU N/KVM')")
    .option("--name <name>", "The guest's name in the set (default: from the guest file's name, trace-NAME.dat)")
    .option("--offset [cycles]", "guest TSC − host TSC (KVM debugfs tsc-offset); default: from the host's kvm:kvm_write_tsc_offset events")
    // cac reads "--offset -1297808156570467" as flags -1 -2 ...: the value comes from the raw argv,
    // so unknown options are checked here rather than by cac.
    .allowUnknownOptions()
    .action((host: string, guest: string, o: Record<string, unknown>) => {
      const offsetArg = rawValue(cli.rawArgs, "--offset");
      for (const key of Object.keys(o)) {
        if (!KNOWN.has(key) && !(/^\d$/.test(key) && offsetArg?.startsWith("-"))) throw new UsageError(`unknown option '${key.length === 1 ? "-" : "--"}${key}': see 'vtrace attach --help'`);
      }
      const vcpus = singleOption(o.vcpus, "--vcpus");
      if (vcpus === undefined) throw new UsageError("--vcpus TID,... is needed: the host threads that ran the guest's vCPUs");
      const vcpuTids = vcpus.split(",").map((t) => {
        if (!/^\d+$/.test(t)) throw new UsageError(`invalid --vcpus '${vcpus}': expected thread ids such as 1234,1235`);
        return Number(t);
      });
      const offset = offsetArg ?? (o.offset === true ? "" : singleOption(o.offset, "--offset"));
      if (offset !== undefined && !/^[+-]?\d+$/.test(offset)) throw new UsageError(`invalid --offset '${offset}': expected TSC cycles (an integer)`);
      const name = singleOption(o.name, "--name") ?? guestName(guest);
      const r = attachGuest({ host, guest, name, vcpuTids, tscOffset: offset === undefined ? undefined : BigInt(offset) });
      const from = r.source === "given offset" ? "the given offset" : `${r.events} kvm_write_tsc_offset events`;
      process.stderr.write(`vtrace attach: ${guest} is guest '${name}' of ${host}: TSC offset ${r.tscOffset} cycles (from ${from})\n`);
    });
}

const KNOWN = new Set(["--", "vcpus", "name", "offset", "h", "help"]);

/** The word after `--name` (or the text after `--name=`) in the raw arguments. */
function rawValue(args: readonly string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at >= 0) return args[at + 1];
  return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

/** "trace-g1.dat" → "g1", "g1.dat" → "g1". */
function guestName(path: string): string {
  return basename(path).replace(/\.dat$/, "").replace(/^trace-/, "") || "guest";
}
