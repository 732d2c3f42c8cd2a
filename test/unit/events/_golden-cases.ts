// Hand-written golden vectors, one print-fmt feature each: format fields, print fmt, annotated
// payload bytes and the text libtraceevent 1.7.1 prints (each was also run through
// libtraceevent itself with test/unit/events/_check-golden.ts).
import type { FieldDecl } from "./_golden.ts";

export interface GoldenCase {
  what: string;
  fields: FieldDecl[];
  fmt: string;
  payload: string;
  info: string;
  raw?: string;
  longSize?: number;
  littleEndian?: boolean;
  /** For plugin-handled events. */
  system?: string;
  name?: string;
}

const COMMON = "01 00 00 00  2a 00 00 00  # common_type 1, flags 0, preempt 0, common_pid 42";

export const GOLDEN: GoldenCase[] = [
  {
    what: "prints integers with the C cast of each length modifier",
    fields: [["int a", 8, 4, true], ["unsigned long b", 16, 8]],
    fmt: '"d=%d u=%u x=%x hhu=%hhu hd=%hd ld=%ld lu=%lu llx=%llx", REC->a, REC->a, REC->a, REC->a, REC->a, REC->a, REC->b, REC->b',
    payload: `${COMMON}
      fe ff ff ff  00 00 00 00     # a = -2, pad
      ff ff ff ff ff ff ff ff      # b = ULONG_MAX`,
    info: "d=-2 u=4294967294 x=fffffffe hhu=254 hd=-2 ld=4294967294 lu=18446744073709551615 llx=ffffffffffffffff",
    raw: " a=-2 b=18446744073709551615",
  },
  {
    what: "applies width, precision and flags, and prints >+< for the '+' flag it does not know",
    fields: [["int a", 8, 4, true], ["char s[8]", 12, 8]],
    fmt: '"[%08x] [%-6d] [%5d] [%#x] [%.3s] [%-7s] [%*d] [%.*s] [%+d]", REC->a, REC->a, REC->a, REC->a, REC->s, REC->s, 4, REC->a, 2, REC->s, REC->a',
    payload: `${COMMON}
      2a 00 00 00                  # a = 42
      61 62 63 64 00 00 00 00      # s = "abcd"`,
    info: "[0000002a] [42    ] [   42] [0x2a] [abc] [abcd   ] [  42] [ab] [>+<d]",
    raw: " a=0000002a s=abcd",
  },
  {
    what: "reads __data_loc strings and dynamic array lengths",
    fields: [["__data_loc char[] name", 8, 4], ["__data_loc u8[] blob", 12, 4]],
    fmt: '"name=%s len=%d hex=%s", __get_str(name), __get_dynamic_array_len(blob), __print_hex(__get_dynamic_array(blob), __get_dynamic_array_len(blob))',
    payload: `${COMMON}
      10 00 04 00                  # name: offset 16, length 4
      14 00 03 00                  # blob: offset 20, length 3
      62 61 72 00                  # "bar"
      de ad be 00                  # blob bytes, pad`,
    info: "name=bar len=3 hex=de ad be",
  },
  {
    what: "reads __rel_loc fields relative to the end of the field",
    fields: [["__rel_loc char[] name", 8, 4]],
    fmt: '"name=%s", __get_rel_str(name)',
    payload: `${COMMON}
      00 00 03 00                  # name: 0 bytes after the field, length 3
      6f 6b 00 00                  # "ok"`,
    info: "name=ok",
  },
  {
    what: "prints __print_flags with its delimiter and the unknown rest in hex",
    fields: [["unsigned int flags", 8, 4]],
    fmt: '"f=%s", __print_flags(REC->flags, "|", { 0x1, "A" }, { 0x2, "B" }, { 0x4, "C" })',
    payload: `${COMMON}
      13 00 00 00                  # flags = A | B | 0x10`,
    info: "f=A|B|0x10",
  },
  {
    what: "prints __print_symbolic names, and hex when no value matches",
    fields: [["int v", 8, 4, true], ["int w", 12, 4, true]],
    fmt: '"v=%s w=%s", __print_symbolic(REC->v, { 0, "ZERO" }, { 7, "SEVEN" }), __print_symbolic(REC->w, { 0, "ZERO" })',
    payload: `${COMMON}
      07 00 00 00  09 00 00 00     # v = 7, w = 9`,
    info: "v=SEVEN w=0x9",
  },
  {
    what: "folds (1 << NAME) in flag tables with the name read as 0",
    fields: [["unsigned long f", 8, 8]],
    fmt: '"f=%s", __print_flags(REC->f, "|", { (1 << SOME_ENUM), "ONE" }, { (1 << OTHER), "AGAIN" })',
    payload: `${COMMON}
      03 00 00 00 00 00 00 00      # f = 3: "ONE" takes bit 0, bit 1 is left over`,
    info: "f=ONE|0x2",
  },
  {
    what: "prints __print_array elements in decimal and __print_hex_str",
    fields: [["__data_loc u32[] arr", 8, 4], ["unsigned char mac[4]", 12, 4]],
    fmt: '"a=%s h=%s", __print_array(__get_dynamic_array(arr), __get_dynamic_array_len(arr) / 4, 4), __print_hex_str(REC->mac, 4)',
    payload: `${COMMON}
      10 00 08 00                  # arr: offset 16, length 8
      01 02 0a 0b                  # mac
      01 00 00 00  ff 00 00 00     # arr = {1, 255}`,
    info: "a=1 255 h=01020a0b",
    raw: " arr=ARRAY[01, 00, 00, 00, ff, 00, 00, 00] mac=ARRAY[01, 02, 0a, 0b]",
  },
  {
    what: "prints bitmasks in 32-bit groups and cpumasks as ranges",
    fields: [["__data_loc unsigned long[] mask", 8, 4], ["__data_loc cpumask_t cpus", 12, 4]],
    fmt: '"mask=%s cpus=%s", __get_bitmask(mask), __get_cpumask(cpus)',
    payload: `${COMMON}
      10 00 08 00  18 00 08 00     # mask at 16 (8 bytes), cpus at 24 (8 bytes)
      0f 00 00 00 01 00 00 00      # mask: bits 0-3 and 32
      2f 00 00 00 00 00 00 00      # cpus: 0-3, 5`,
    info: "mask=00000001,0000000f cpus=0-3,5",
  },
  {
    what: "evaluates ternaries, arithmetic and unsigned comparisons",
    fields: [["int a", 8, 4, true], ["int b", 12, 4, true]],
    fmt: '"%s %d %d %d %s", REC->a > REC->b ? "gt" : "le", REC->a - REC->b, REC->a * 3 + 1, (REC->a << 4) >> 2, !REC->b ? "zero" : "nonzero"',
    payload: `${COMMON}
      ff ff ff ff  02 00 00 00     # a = -1 (read unsigned: 4294967295), b = 2`,
    info: "gt -3 -2 -4 nonzero",
  },
  {
    what: "drops the parentheses of a looser right operand, as libtraceevent does",
    fields: [["unsigned int f", 8, 4]],
    fmt: '"%u", REC->f & (0x1 | 0x8)',
    payload: `${COMMON}
      01 00 00 00                  # f = 1: (f & 1) | 8 = 9, not f & 9 = 1`,
    info: "9",
  },
  {
    what: "applies casts as masks and knows sizeof of int and long",
    fields: [["unsigned long v", 8, 8]],
    fmt: '"%lu %lu %d %d", (unsigned char)REC->v, (u16)REC->v, sizeof(int), sizeof(long)',
    payload: `${COMMON}
      34 12 ff ff ff ff ff ff      # v = 0xffffffffffff1234`,
    info: "52 4660 4 8",
  },
  {
    what: "resolves %pS, %ps and %p with kallsyms",
    fields: [["unsigned long ip", 8, 8], ["void * p", 16, 8], ["void * q", 24, 8]],
    fmt: '"%pS %ps %p %p", (void *)REC->ip, (void *)REC->ip, REC->p, REC->q',
    payload: `${COMMON}
      10 10 00 81 ff ff ff ff      # ip = do_one + 0x10
      00 00 00 00 00 00 00 00      # p = NULL
      ef be ad de 00 00 00 00      # q = 0xdeadbeef`,
    info: "do_one+0x10 do_one (nil) 0xdeadbeef",
  },
  {
    what: "prints MAC, IPv4, IPv6 and UUID pointer formats",
    fields: [["u8 mac[6]", 8, 6], ["u8 v4[4]", 14, 4], ["u8 v6[16]", 18, 16], ["u8 id[16]", 34, 16]],
    fmt: '"%pM %pI4 %pi4 %pI6c %pU", REC->mac, REC->v4, REC->v4, REC->v6, REC->id',
    payload: `${COMMON}
      00 11 22 aa bb cc            # mac
      0a 00 00 01                  # 10.0.0.1
      20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01   # 2001:db8::1
      00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f   # uuid`,
    info: "00:11:22:aa:bb:cc 10.0.0.1 010.000.000.001 2001:db8::1 00010203-0405-0607-0809-0a0b0c0d0e0f",
  },
  {
    what: "prints >c< for %c, which libtraceevent 1.7.1 does not know, without using an argument",
    fields: [["int a", 8, 4, true]],
    fmt: '"[%c] %d", REC->a',
    payload: `${COMMON}
      05 00 00 00                  # a = 5`,
    info: "[>c<] 5",
  },
  {
    what: "prints a printk string for %s of a pointer-sized field",
    fields: [["const char * name", 8, 8], ["const char * other", 16, 8]],
    fmt: '"%s / %s", REC->name, REC->other',
    payload: `${COMMON}
      00 01 00 82 ff ff ff ff      # name -> printk "const string"
      01 00 00 00 00 00 00 00      # other: unknown address`,
    info: "const string / 1",
  },
  {
    what: "falls back to [FAILED TO PARSE] and the raw fields for sizeof(u64)",
    fields: [["int a", 8, 4, true], ["char comm[4]", 12, 4], ["u8 bin[2]", 16, 2]],
    fmt: '"%d", sizeof(u64)',
    payload: `${COMMON}
      f9 ff ff ff                  # a = -7
      61 62 00 00                  # comm = "ab"
      01 02 00 00                  # bin = 01 02`,
    info: "[FAILED TO PARSE] a=-7 comm=ab bin=ARRAY[01, 02]",
    raw: " a=-7 comm=ab bin=ARRAY[01, 02]",
  },
  {
    what: "lists raw fields through their print conversions, with a 0x the format puts before them",
    fields: [["unsigned long pfn", 8, 8], ["unsigned int order", 16, 4], ["unsigned long flags", 24, 8]],
    fmt: '"pfn=0x%lx order=%d flags=%s", REC->pfn, REC->order, __print_flags(REC->flags, "|", { 1, "A" })',
    payload: `${COMMON}
      00 10 00 00 00 00 00 00      # pfn = 0x1000
      03 00 00 00 00 00 00 00      # order = 3, pad
      01 00 00 00 00 00 00 00      # flags = 1`,
    info: "pfn=0x1000 order=3 flags=A",
    raw: " pfn=0x1000 order=3 flags=0x1",
  },
  {
    what: "stops using print conversions after the last one matched (libtraceevent's parse_ptr)",
    fields: [["int a", 8, 4, true], ["int b", 12, 4, true]],
    fmt: '"b=%x a=%x", REC->b, REC->a',
    payload: `${COMMON}
      1a 00 00 00  0b 00 00 00     # a = 26, b = 11`,
    info: "b=b a=1a",
    raw: " a=1a b=11",
  },
  {
    what: "drops only one trailing newline",
    fields: [["char buf[]", 8, 0]],
    fmt: '"%s\\n", REC->buf',
    payload: `${COMMON}
      68 69 0a 00                  # "hi\\n"`,
    info: "hi\n",
  },
  {
    what: "decodes big-endian files with 4-byte longs",
    fields: [["unsigned long ip", 8, 4], ["unsigned short port", 12, 2], ["int v", 16, 4, true]],
    fmt: '"%lx %d %d %p", REC->ip, REC->port, REC->v, (void *)REC->ip',
    payload: `00 01 00 00  00 00 00 2a    # common_type 1 (BE), pid 42
      12 34 56 78                  # ip = 0x12345678
      00 50 00 00                  # port = 80, pad
      ff ff ff fe                  # v = -2`,
    info: "12345678 80 -2 0x12345678",
    raw: " ip=12345678 port=80 v=-2",
    littleEndian: false,
    longSize: 4,
  },
  {
    what: "uses the sched_switch plugin: comm:pid [prio] state ==> comm:pid [prio]",
    system: "sched",
    name: "sched_switch",
    fields: [["char prev_comm[16]", 8, 16], ["pid_t prev_pid", 24, 4, true], ["int prev_prio", 28, 4, true], ["long prev_state", 32, 8, true], ["char next_comm[16]", 40, 16], ["pid_t next_pid", 56, 4, true], ["int next_prio", 60, 4, true]],
    fmt: '"prev_comm=%s prev_pid=%d", REC->prev_comm, REC->prev_pid',
    payload: `${COMMON}
      62 61 73 68 00 00 00 00 00 00 00 00 00 00 00 00   # prev_comm "bash"
      2a 00 00 00  78 00 00 00     # prev_pid 42, prev_prio 120
      81 00 00 00 00 00 00 00      # prev_state = S (1) | W (0x80)
      73 77 61 70 70 65 72 2f 30 00 00 00 00 00 00 00   # next_comm "swapper/0"
      00 00 00 00  78 00 00 00     # next_pid 0, next_prio 120`,
    info: "bash:42 [120] S|W ==> swapper/0:0 [120]",
    raw: " prev_comm=bash prev_pid=42 prev_prio=120 prev_state=129 next_comm=swapper/0 next_pid=0 next_prio=120",
  },
  {
    what: "uses the sched_wakeup plugin: comm:pid [prio] CPU:nnn",
    system: "sched",
    name: "sched_wakeup",
    fields: [["char comm[16]", 8, 16], ["pid_t pid", 24, 4, true], ["int prio", 28, 4, true], ["int target_cpu", 32, 4, true]],
    fmt: '"comm=%s pid=%d prio=%d target_cpu=%03d", REC->comm, REC->pid, REC->prio, REC->target_cpu',
    payload: `${COMMON}
      6b 77 6f 72 6b 65 72 00 00 00 00 00 00 00 00 00   # comm "kworker"
      07 00 00 00  78 00 00 00     # pid 7, prio 120
      01 00 00 00                  # target_cpu 1`,
    info: "kworker:7 [120] CPU:001",
  },
  {
    what: "prefixes kmem events with the call site (plugin_kmem)",
    system: "kmem",
    name: "kfree",
    fields: [["unsigned long call_site", 8, 8], ["const void * ptr", 16, 8]],
    fmt: '"call_site=%pS ptr=%p", (void *)REC->call_site, REC->ptr',
    payload: `${COMMON}
      84 10 00 81 ff ff ff ff      # call_site = do_two + 4
      00 10 00 00 00 00 00 00      # ptr = 0x1000`,
    info: "(do_two+0x4) call_site=do_two+0x4 ptr=0x1000",
  },
  {
    what: "names tlb_flush reasons (plugin_tlb)",
    system: "tlb",
    name: "tlb_flush",
    fields: [["int reason", 8, 4, true], ["unsigned long pages", 16, 8]],
    fmt: '"pages=%ld reason=%d", REC->pages, REC->reason',
    payload: `${COMMON}
      01 00 00 00  00 00 00 00     # reason 1, pad
      ff ff ff ff ff ff ff ff      # pages = -1`,
    info: "pages=-1 reason=remote shootdown (1)",
  },
  {
    what: "prints hrtimer_start with the function as name/0x(start - value) (plugin_hrtimer)",
    system: "timer",
    name: "hrtimer_start",
    fields: [["void * hrtimer", 8, 8], ["void * function", 16, 8], ["s64 expires", 24, 8, true], ["s64 softexpires", 32, 8, true]],
    fmt: '"hrtimer=%p", REC->hrtimer',
    payload: `${COMMON}
      00 20 00 00 00 00 00 00      # hrtimer 0x2000
      00 10 00 81 ff ff ff ff      # function = do_one
      e8 03 00 00 00 00 00 00      # expires 1000
      d0 07 00 00 00 00 00 00      # softexpires 2000`,
    info: "hrtimer=0x2000 function=do_one/0x0 expires=1000 softexpires=2000",
  },
  {
    what: "names futex commands and their arguments (plugin_futex)",
    system: "syscalls",
    name: "sys_enter_futex",
    fields: [["int __syscall_nr", 8, 4, true], ["u32 * uaddr", 16, 8], ["int op", 24, 8], ["u32 val", 32, 8], ["const struct __kernel_timespec * utime", 40, 8], ["u32 * uaddr2", 48, 8], ["u32 val3", 56, 8]],
    fmt: '"uaddr: 0x%08lx", ((unsigned long)(REC->uaddr))',
    payload: `${COMMON}
      ca 00 00 00 00 00 00 00      # __syscall_nr 202, pad
      00 10 40 00 00 00 00 00      # uaddr
      89 00 00 00 00 00 00 00      # op = FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG
      02 00 00 00 00 00 00 00      # val 2
      00 00 00 00 00 00 00 00      # utime NULL
      00 00 00 00 00 00 00 00      # uaddr2
      ff ff ff ff 00 00 00 00      # val3`,
    info: "op=FUTEX_WAIT_BITSET|FUTEX_PRIVATE_FLAG uaddr=0x00401000 val=0x00000002 utime=0x00000000 val3=0xffffffff",
  },
  {
    what: "prints ftrace:print as '<ip symbol>: <text>' without the trailing newline",
    system: "ftrace",
    name: "print",
    fields: [["unsigned long ip", 8, 8], ["char buf[]", 16, 0]],
    fmt: '"%ps: %s", (void *)REC->ip, REC->buf',
    payload: `${COMMON}
      00 10 00 81 ff ff ff ff      # ip = do_one
      68 65 6c 6c 6f 0a 00 00      # "hello" + newline`,
    info: "do_one: hello",
    raw: " ip=do_one buf=hello",
  },
  {
    what: "prints ftrace:bprint from the printk format and its 4-byte-aligned arguments",
    system: "ftrace",
    name: "bprint",
    fields: [["unsigned long ip", 8, 8], ["const char * fmt", 16, 8], ["u32 buf[]", 24, 0]],
    fmt: '"%ps: %s", (void *)REC->ip, REC->fmt',
    payload: `${COMMON}
      80 10 00 81 ff ff ff ff      # ip = do_two
      00 00 00 82 ff ff ff ff      # fmt -> printk "hello %d" + newline
      07 00 00 00                  # %d = 7`,
    info: "do_two: hello 7",
  },
  {
    what: "prints ftrace:bprint with an unknown format address",
    system: "ftrace",
    name: "bprint",
    fields: [["unsigned long ip", 8, 8], ["const char * fmt", 16, 8], ["u32 buf[]", 24, 0]],
    fmt: '"%ps: %s", (void *)REC->ip, REC->fmt',
    payload: `${COMMON}
      80 10 00 81 ff ff ff ff      # ip = do_two
      10 00 00 00 00 00 00 00      # fmt: not in printk_formats
      07 00 00 00`,
    info: "do_two: (NO FORMAT FOUND at 10)",
  },
];
