// The event-handler plugins trace-cmd 3.1.6 loads on Debian bookworm, keyed "system:event".
// Source of truth: libtraceevent 1.7.1 plugins/*.c TEP_PLUGIN_LOADER registrations (they are
// loaded after trace-cmd's own ftrace overrides, so they win for ftrace:function).

import { ftraceFuncRepeats, ftraceFunction, ftraceKernelStack, ftraceRawData } from "./function.ts";
import { sysEnterFutex } from "./futex.ts";
import { kmemCallSite } from "./kmem.ts";
import { kvmEmulateInsn, kvmEntry, kvmExit, kvmMmuGetPage, kvmMmuRole, kvmNestedVmexit, kvmNestedVmexitInject } from "./kvm.ts";
import { schedSwitch, schedWakeup } from "./sched.ts";
import { hrtimerExpireEntry, hrtimerStart, tlbFlush } from "./timers.ts";
import type { PluginHandler } from "./types.ts";

export type { PluginCtx, PluginEmitter, PluginHandler, PluginOut, PluginState } from "./types.ts";
export { pluginEmitterFor } from "./emitters.ts";

/** The handler for an event, if a plugin overrides its print fmt. */
export function pluginFor(system: string, name: string, file: { longSize: number; bigEndian: boolean }): PluginHandler | undefined {
  const key = `${system}:${name}`;
  switch (key) {
    case "sched:sched_switch":
      return schedSwitch;
    case "sched:sched_wakeup":
    case "sched:sched_wakeup_new":
      return schedWakeup;
    case "timer:hrtimer_expire_entry":
      return hrtimerExpireEntry;
    case "timer:hrtimer_start":
      return hrtimerStart;
    case "tlb:tlb_flush":
      return tlbFlush;
    case "kmem:kfree":
    case "kmem:kmalloc":
    case "kmem:kmalloc_node":
    case "kmem:kmem_cache_alloc":
    case "kmem:kmem_cache_alloc_node":
    case "kmem:kmem_cache_free":
      return kmemCallSite;
    case "syscalls:sys_enter_futex":
      return sysEnterFutex;
    case "ftrace:function":
      return ftraceFunction;
    case "ftrace:func_repeats":
      return ftraceFuncRepeats;
    case "ftrace:kernel_stack":
      return ftraceKernelStack(file.longSize);
    case "ftrace:raw_data":
      return ftraceRawData(file.longSize);
    case "kvm:kvm_exit":
      return kvmExit;
    case "kvm:kvm_entry":
      return kvmEntry;
    case "kvm:kvm_emulate_insn":
      return kvmEmulateInsn;
    case "kvm:kvm_nested_vmexit":
      return kvmNestedVmexit;
    case "kvm:kvm_nested_vmexit_inject":
      return kvmNestedVmexitInject;
    case "kvmmmu:kvm_mmu_get_page":
      return kvmMmuGetPage(file.bigEndian);
    case "kvmmmu:kvm_mmu_sync_page":
    case "kvmmmu:kvm_mmu_unsync_page":
    case "kvmmmu:kvm_mmu_zap_page":
    case "kvmmmu:kvm_mmu_prepare_zap_page":
      return kvmMmuRole(file.bigEndian);
    default:
      return undefined;
  }
}
