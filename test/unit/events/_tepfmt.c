// Dev tool for test/unit/events/_diff-lte.ts and _check-golden.ts: prints libtraceevent's INFO and
// INFO_RAW text for payloads. Build (needs the 1.7.1 headers, e.g. from a libtraceevent checkout at tag
// libtraceevent-1.7.1):  gcc -O1 -I<libtraceevent>/include/traceevent -o /tmp/tool/tepfmt _tepfmt.c /usr/lib/x86_64-linux-gnu/libtraceevent.so.1
// stdin: "F <system> <format path>" lines, then "E <payload hex>" lines; env TEP_BE=1, TEP_LONG=4.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "event-parse.h"
#include "trace-seq.h"
static char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "r"); if (!f) { perror(path); exit(1); }
  size_t cap = 1 << 20, len = 0; char *b = malloc(cap);
  for (;;) { if (len + 65536 > cap) { cap *= 2; b = realloc(b, cap); } size_t r = fread(b + len, 1, 65536, f); if (!r) break; len += r; }
  fclose(f); b[len] = 0; if (n) *n = len; return b;
}
static void emit(char tag, struct trace_seq *s) {
  unsigned int len = s->len;
  if (len && s->buffer[len - 1] == '\n') len--;
  putchar(tag); putchar(' ');
  for (unsigned int i = 0; i < len; i++) {
    char c = s->buffer[i];
    if (c == '\n') fputs("\\n", stdout); else if (c == '\\') fputs("\\\\", stdout); else if (c == 0) fputs("\\0", stdout); else putchar(c);
  }
  putchar('\n');
}
int main(int argc, char **argv) {
  struct tep_handle *tep = tep_alloc();
  const char *ls = getenv("TEP_LONG"), *be = getenv("TEP_BE");
  tep_set_long_size(tep, ls ? atoi(ls) : 8);
  tep_set_file_bigendian(tep, be && *be == '1' ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
  tep_set_local_bigendian(tep, TEP_LITTLE_ENDIAN);
  tep_load_plugins(tep);
  if (argc > 1) tep_parse_kallsyms(tep, slurp(argv[1], NULL));
  if (argc > 2) tep_parse_printk_formats(tep, slurp(argv[2], NULL));
  static char line[1 << 20];
  static unsigned char data[1 << 16];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    if (line[0] == 'F') {
      char sys[256], path[4096]; sscanf(line + 2, "%255s %4095s", sys, path);
      size_t n; char *buf = slurp(path, &n); tep_parse_event(tep, buf, n, sys); free(buf);
    } else if (line[0] == 'E') {
      size_t hl = strlen(line + 2), n = hl / 2;
      for (size_t i = 0; i < n; i++) sscanf(line + 2 + 2 * i, "%2hhx", &data[i]);
      struct tep_record rec; memset(&rec, 0, sizeof rec); rec.data = data; rec.size = n; rec.record_size = n;
      struct trace_seq s; trace_seq_init(&s); tep_print_event(tep, &s, &rec, "%s", TEP_PRINT_INFO); emit('I', &s); trace_seq_destroy(&s);
      trace_seq_init(&s); tep_print_event(tep, &s, &rec, "%s", TEP_PRINT_INFO_RAW); emit('R', &s); trace_seq_destroy(&s);
      fflush(stdout);
    }
  }
  return 0;
}
