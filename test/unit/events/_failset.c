// Dev tool: which format files libtraceevent (with plugins) marks TEP_EVENT_FL_FAILED.
// Build: gcc -o /tmp/tool/failset _failset.c /usr/lib/x86_64-linux-gnu/libtraceevent.so.1
// stdin: "<system> <format path>" lines.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
struct tep_handle;
struct tep_event { struct tep_handle *tep; char *name; int id; int flags; };
extern struct tep_handle *tep_alloc(void);
extern int tep_parse_event(struct tep_handle *, const char *, unsigned long, const char *);
extern struct tep_event *tep_find_event_by_name(struct tep_handle *, const char *, const char *);
extern void tep_set_long_size(struct tep_handle *, int);
extern void tep_set_file_bigendian(struct tep_handle *, int);
extern void tep_set_local_bigendian(struct tep_handle *, int);
int main(int argc, char **argv) {
  struct tep_handle *tep = tep_alloc(); extern void *tep_load_plugins(struct tep_handle*); tep_load_plugins(tep);
  tep_set_long_size(tep, 8);
  char line[4096];
  /* stdin: "system path" per line */
  while (fgets(line, sizeof line, stdin)) {
    char sys[256], path[3000];
    if (sscanf(line, "%255s %2999s", sys, path) != 2) continue;
    FILE *f = fopen(path, "r"); if (!f) continue;
    static char buf[1<<20]; size_t n = fread(buf, 1, sizeof buf - 1, f); fclose(f); buf[n] = 0;
    int r = tep_parse_event(tep, buf, n, sys);
    char *nm = strstr(buf, "name: "); char name[256] = ""; if (nm) sscanf(nm + 6, "%255s", name);
    struct tep_event *e = tep_find_event_by_name(tep, sys, name);
    printf("%s:%s r=%d failed=%d\n", sys, name, r, e ? !!(e->flags & 0x80000000) : -1);
  }
  return 0;
}
