// Synthetic files for the info-mode tests, opened in memory, and a runner that returns the text.
import { MemorySink } from "../../../../src/lib/byte-sink.ts";
import { infoMode, writeInfo, type InfoSettings } from "../../../../src/report/info/index.ts";
import { memorySource } from "../../../../src/tracedat/reader/byte-source.ts";
import { openTraceDat } from "../../../../src/tracedat/reader/open.ts";
import type { TraceDat } from "../../../../src/tracedat/reader/trace-dat.ts";
import { buildTraceDat, demoEvents, type DemoFile } from "../../tracedat/reader/fixture-builder.ts";

export const fmt = (name: string, id: number | string, extra = "") =>
  `name: ${name}\nID: ${id}\nformat:\n\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n${extra}\nprint fmt: "x"\n`;

/** Formats, kallsyms and printk with the cases libtraceevent treats specially. */
export const EDGE: Omit<DemoFile, "version"> = {
  buffers: [{ name: "", cpus: demoEvents(3) }],
  ftraceFormats: [fmt("function", 1), fmt("print", 5)],
  extraSystems: [
    { name: "sched", formats: [fmt("sched_switch", 310), fmt("sched_wakeup", 311, "\tgarbage line here\n"), fmt("Sched_Zed", "0x140")] },
    { name: "alpha", formats: [fmt("zeta", 400), fmt("beta", 401), fmt("beta", 399), "name: sys-enter\nID: 0402\nformat:\n"] },
    { name: "irq", formats: ["\n\nname: irq_handler_entry\nID: 500\n", fmt("softirq_entry", 501)] },
  ],
  kallsyms:
    "ffffffff81000000 T _text\nffffffff81000000 T _stext\n0000000000000000 A fixed_percpu_data\nffffffff81000010 t $x\n" +
    "ffffffffc0000000 t nf_hook\t[nf_tables]\nffffffff81000005 T early\nffffffffc0000010 t modfn  \t[mod]\n" +
    "ffffffffc0000020 t modfn2\t[ spaced]\nffffffff81000000 W aliased\n",
  printk: `0xffffffff82000010 : "hello\\n"\n0xffffffff82000000 : "world"\nffffffff82000008:"noquote\\n"\n\n0xffffffff82000000 : "dup\\n"\n0xffffffff82000020 : ""\n`,
};

export function open(file: DemoFile): TraceDat {
  return openTraceDat(memorySource(buildTraceDat(file)));
}

/** Runs the mode the flags select over the files; text, exit code and warnings. */
export function run(flags: InfoSettings, files: { path: string; dat: TraceDat }[]): { text: string; exitCode: number; warnings: string[] } {
  const mode = infoMode(flags);
  if (!mode) throw new Error("no info mode in these flags");
  const out = new MemorySink();
  const { exitCode, warnings } = writeInfo(mode, files, out, flags);
  return { text: out.text(), exitCode, warnings };
}
