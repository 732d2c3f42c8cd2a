// kvm:kvm_write_tsc_offset for synthetic host files: its format (as this kernel's tracefs has it) and
// a record of one vCPU thread's offset write. KVM does not run here, so tests build these by hand.

import { ByteWriter } from "../../src/lib/writer.ts";
import { formatFile, type FileRecord } from "./v6-file.ts";

export const KVM_WRITE_TSC_OFFSET_ID = 83;

export const KVM_WRITE_TSC_OFFSET = formatFile(
  "kvm_write_tsc_offset",
  KVM_WRITE_TSC_OFFSET_ID,
  "\tfield:unsigned int vcpu_id;\toffset:8;\tsize:4;\tsigned:0;\n\tfield:__u64 previous_tsc_offset;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:__u64 next_tsc_offset;\toffset:24;\tsize:8;\tsigned:0;",
  `"vcpu=%u prev=%llu next=%llu", REC->vcpu_id, REC->previous_tsc_offset, REC->next_tsc_offset`,
);

/** Thread `pid` (running vCPU `vcpu`) changed the guest's TSC offset from `previous` to `next` at host TSC `ts`. */
export function offsetWrite(ts: bigint, pid: number, vcpu: number, previous: bigint, next: bigint): FileRecord {
  const payload = new ByteWriter(true, 32).u16(KVM_WRITE_TSC_OFFSET_ID).u8(0).u8(0).i32(pid).u32(vcpu).u32(0).i64(previous).i64(next).finish();
  return { ts, cpu: 0, payload };
}
