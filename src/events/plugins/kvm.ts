// kvm / kvmmmu handlers of plugin_kvm.so (built without udis86 on Debian: instructions print as hex).
// A handler that returns -1 after a missing field lets libtraceevent append the print fmt output.
// Source of truth: libtraceevent 1.7.1 plugins/plugin_kvm.c; exit reason names from its
// VMX_EXIT_REASONS / SVM_EXIT_REASONS tables.

import { hexll, PluginText } from "./read.ts";
import type { PluginHandler, PluginOut } from "./types.ts";

const VMX: Record<number, string> = {
  0: "EXCEPTION_NMI", 1: "EXTERNAL_INTERRUPT", 2: "TRIPLE_FAULT", 7: "PENDING_INTERRUPT", 8: "NMI_WINDOW",
  9: "TASK_SWITCH", 10: "CPUID", 12: "HLT", 13: "INVD", 14: "INVLPG", 15: "RDPMC", 16: "RDTSC", 18: "VMCALL",
  19: "VMCLEAR", 20: "VMLAUNCH", 21: "VMPTRLD", 22: "VMPTRST", 23: "VMREAD", 24: "VMRESUME", 25: "VMWRITE",
  26: "VMOFF", 27: "VMON", 28: "CR_ACCESS", 29: "DR_ACCESS", 30: "IO_INSTRUCTION", 31: "MSR_READ",
  32: "MSR_WRITE", 36: "MWAIT_INSTRUCTION", 39: "MONITOR_INSTRUCTION", 40: "PAUSE_INSTRUCTION",
  41: "MCE_DURING_VMENTRY", 43: "TPR_BELOW_THRESHOLD", 44: "APIC_ACCESS", 45: "EOI_INDUCED",
  48: "EPT_VIOLATION", 49: "EPT_MISCONFIG", 50: "INVEPT", 52: "PREEMPTION_TIMER", 54: "WBINVD", 55: "XSETBV",
  56: "APIC_WRITE", 58: "INVPCID", 62: "PML_FULL", 63: "XSAVES", 64: "XRSTORS",
};

const SVM_NAMES: [number, string][] = [
  [0x000, "READ_CR0"], [0x003, "READ_CR3"], [0x004, "READ_CR4"], [0x008, "READ_CR8"], [0x010, "WRITE_CR0"],
  [0x013, "WRITE_CR3"], [0x014, "WRITE_CR4"], [0x018, "WRITE_CR8"], [0x020, "READ_DR0"], [0x021, "READ_DR1"],
  [0x022, "READ_DR2"], [0x023, "READ_DR3"], [0x024, "READ_DR4"], [0x025, "READ_DR5"], [0x026, "READ_DR6"],
  [0x027, "READ_DR7"], [0x030, "WRITE_DR0"], [0x031, "WRITE_DR1"], [0x032, "WRITE_DR2"], [0x033, "WRITE_DR3"],
  [0x034, "WRITE_DR4"], [0x035, "WRITE_DR5"], [0x036, "WRITE_DR6"], [0x037, "WRITE_DR7"], [0x040, "EXCP_DE"],
  [0x041, "EXCP_DB"], [0x043, "EXCP_BP"], [0x044, "EXCP_OF"], [0x045, "EXCP_BR"], [0x046, "EXCP_UD"],
  [0x047, "EXCP_NM"], [0x048, "EXCP_DF"], [0x04a, "EXCP_TS"], [0x04b, "EXCP_NP"], [0x04c, "EXCP_SS"],
  [0x04d, "EXCP_GP"], [0x04e, "EXCP_PF"], [0x050, "EXCP_MF"], [0x051, "EXCP_AC"], [0x052, "EXCP_MC"],
  [0x053, "EXCP_XF"], [0x060, "INTR"], [0x061, "NMI"], [0x062, "SMI"], [0x063, "INIT"], [0x064, "VINTR"],
  [0x065, "CR0_SEL_WRITE"], [0x066, "IDTR_READ"], [0x067, "GDTR_READ"], [0x068, "LDTR_READ"], [0x069, "TR_READ"],
  [0x06a, "IDTR_WRITE"], [0x06b, "GDTR_WRITE"], [0x06c, "LDTR_WRITE"], [0x06d, "TR_WRITE"], [0x06e, "RDTSC"],
  [0x06f, "RDPMC"], [0x070, "PUSHF"], [0x071, "POPF"], [0x072, "CPUID"], [0x073, "RSM"], [0x074, "IRET"],
  [0x075, "SWINT"], [0x076, "INVD"], [0x077, "PAUSE"], [0x078, "HLT"], [0x079, "INVLPG"], [0x07a, "INVLPGA"],
  [0x07b, "IOIO"], [0x07c, "MSR"], [0x07d, "TASK_SWITCH"], [0x07e, "FERR_FREEZE"], [0x07f, "SHUTDOWN"],
  [0x080, "VMRUN"], [0x081, "VMMCALL"], [0x082, "VMLOAD"], [0x083, "VMSAVE"], [0x084, "STGI"], [0x085, "CLGI"],
  [0x086, "SKINIT"], [0x087, "RDTSCP"], [0x088, "ICEBP"], [0x089, "WBINVD"], [0x08a, "MONITOR"], [0x08b, "MWAIT"],
  [0x08c, "MWAIT_COND"], [0x08d, "XSETBV"], [0x400, "NPF"], [0x401, "AVIC_INCOMPLETE_IPI"],
  [0x402, "AVIC_UNACCELERATED_ACCESS"], [-1, "ERR"],
];
const SVM: Record<number, string> = Object.fromEntries(SVM_NAMES.map(([v, n]) => [v, `EXIT_${n}`]));

const done = (t: PluginText): PluginOut => ({ text: t.s, thenPrettyPrint: false });
const failed = (t: PluginText): PluginOut => ({ text: t.s, thenPrettyPrint: true });

/**
 * What print_exit_reason() prints after "reason ": the reason compared as a C int, in the VMX (isa 1,
 * the default) or SVM (isa 2) table. Also vcpu-stat's name for an exit, so both tools agree.
 */
export function exitReasonName(val: bigint, isa: bigint = 1n): string {
  const table = isa === 1n ? VMX : isa === 2n ? SVM : undefined;
  const v = Number(BigInt.asIntN(32, val));
  if (!table) return "UNKNOWN-ISA";
  return table[v] ?? `UNKNOWN (${val})`;
}

function exitReason(t: PluginText, field: string): boolean {
  const val = t.val(field, true);
  if (val === undefined) return false;
  t.s += `reason ${exitReasonName(val, t.val("isa", false) ?? 1n)}`;
  return true;
}

export const kvmExit: PluginHandler = (r, ctx) => {
  const t = new PluginText(r, ctx);
  if (!exitReason(t, "exit_reason")) return failed(t);
  const rip = t.val("guest_rip", true);
  if (rip === undefined) return failed(t);
  t.s += ` rip 0x${hexll(rip)}`;
  const info1 = t.val("info1", false);
  const info2 = info1 === undefined ? undefined : t.val("info2", false);
  if (info1 !== undefined && info2 !== undefined) t.s += ` info ${hexll(info1)} ${hexll(info2)}`;
  return done(t);
};

export const kvmEntry: PluginHandler = (r, ctx) => {
  const t = new PluginText(r, ctx);
  t.num("vcpu_id", true, (v) => ` vcpu ${BigInt.asUintN(32, v)}`);
  const rip = t.val("rip", true);
  if (rip === undefined) return failed(t);
  t.s += ` rip 0x${hexll(rip)}`;
  return done(t);
};

export const kvmEmulateInsn: PluginHandler = (r, ctx) => {
  const t = new PluginText(r, ctx);
  const vals = ["rip", "csbase", "len", "flags", "failed"].map((n) => (t.s.includes("<CANT") ? undefined : t.val(n, true)));
  if (vals.some((v) => v === undefined)) return failed(t);
  const [rip, csbase, len, , fail] = vals as bigint[];
  const insn = ctx.fields.get("insn");
  if (!insn || insn.isCommon) {
    t.s += "<CANT FIND FIELD insn>";
    return failed(t);
  }
  const n = Number(len! & 0xffffffffn);
  const bytes: string[] = [];
  for (let i = 0; i < n; i++) bytes.push((r.bytes[insn.offset + i] ?? 0).toString(16).padStart(2, "0"));
  t.s += `${hexll(csbase!)}:${hexll(rip!)}: ${bytes.join(" ")}${fail ? " FAIL" : ""}`;
  return done(t);
};

function nestedInject(t: PluginText): PluginOut {
  if (!exitReason(t, "exit_code")) return failed(t);
  t.num("exit_info1", true, (v) => ` info1 ${hexll(v)}`);
  t.num("exit_info2", true, (v) => ` info2 ${hexll(v)}`);
  t.num("exit_int_info", true, (v) => ` int_info ${hexll(v)}`);
  t.num("exit_int_info_err", true, (v) => ` int_info_err ${hexll(v)}`);
  return done(t);
}

export const kvmNestedVmexitInject: PluginHandler = (r, ctx) => nestedInject(new PluginText(r, ctx));

export const kvmNestedVmexit: PluginHandler = (r, ctx) => {
  const t = new PluginText(r, ctx);
  const rip = t.val("rip", true);
  if (rip === undefined) return failed(t);
  t.s += ` rip ${hexll(rip)}`;
  return nestedInject(t);
};

const ACCESS = ["---", "--x", "w--", "w-x", "-u-", "-ux", "wu-", "wux"];

/** kvm_mmu_print_role(): the role word's bit fields, then root count and "sync"/"unsync". */
function printRole(t: PluginText, bigEndianFile: boolean): PluginOut {
  const val = t.val("role", true);
  if (val === undefined) return failed(t);
  const w = Number(val & 0xffffffffn);
  if (!bigEndianFile) {
    const bit = (n: number) => (w >>> n) & 1;
    t.s += `${w & 0xf} q${(w >>> 5) & 3}${bit(7) ? " direct" : ""} ${ACCESS[(w >>> 8) & 7]}${bit(11) ? " invalid" : ""}`;
    t.s += ` ${bit(4) ? "" : "!"}pae ${bit(12) ? "" : "!"}nxe ${bit(13) ? "" : "!"}wp`;
    t.s += `${bit(14) ? " smep" : ""}${bit(15) ? " smap" : ""}${(w >>> 24) & 0xff ? " smm" : ""}`;
  } else {
    t.s += `WORD: ${w.toString(16).padStart(8, "0")}`;
  }
  t.num("root_count", true, (v) => ` root ${BigInt.asUintN(32, v)} `);
  const unsync = t.val("unsync", true);
  if (unsync === undefined) return failed(t);
  // The plugin prints a NUL here; trace-cmd prints the line with "%.*s", so the text ends there.
  t.s += unsync ? "unsync" : "sync";
  return done(t);
}

export function kvmMmuRole(bigEndianFile: boolean): PluginHandler {
  return (r, ctx) => printRole(new PluginText(r, ctx), bigEndianFile);
}

export function kvmMmuGetPage(bigEndianFile: boolean): PluginHandler {
  return (r, ctx) => {
    const t = new PluginText(r, ctx);
    const created = t.val("created", true);
    if (created === undefined) return failed(t);
    t.s += `${created ? "new" : "existing"} `;
    const gfn = t.val("gfn", true);
    if (gfn === undefined) return failed(t);
    t.s += `sp gfn ${hexll(gfn)} `;
    return printRole(t, bigEndianFile);
  };
}

