// The report benchmark's corpus: real recordings of varied workloads, made by trace-cmd and by vtrace
// (v6 and v7, compressed or not, 20k to 3M events), recorded on first use into
// test/.cache/bench-corpus/<name>/ and reused after. Each recording runs in its own ftrace instance
// (trace-cmd here can only record as `trace-cmd record -d --no-filter`), so the top-level buffer is
// left to others. The host + 2 guests merge set comes from corpus-merge.ts.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MERGE_SET_FILES, mergeSet, mergeSetUnavailable } from "./corpus-merge.ts";

const REPO = join(import.meta.dir, "../..");
const VTRACE = join(REPO, "dist/vtrace");
const CACHE = join(REPO, "test/.cache/bench-corpus");
const TRACEFS = "/sys/kernel/tracing";
/** Bump to re-record every file (a recipe changed). */
const RECIPE_VERSION = 1;

export interface CorpusEntry {
  name: string;
  /** What the recording is, for the table. */
  what: string;
  recorder: "trace-cmd" | "vtrace" | "merge";
  /** Record options after the tool's own (events, file version, compression). */
  options: string[];
  /** Shell script of the load, run in a scratch folder on disk ($W). */
  load: string;
  bufferKb: number;
}

/** Runs of many short processes talking through pipes: forks, execs, wakeups, switches. */
const PIPES = `for i in $(seq 1500); do echo $i | cat | tr 0-9 a-j >/dev/null; done; for i in $(seq 200); do sleep 0.001; done`;
const FILES = `find /usr -xdev -type f -name '*.h' >/dev/null; find /usr/lib /usr/share/doc -xdev -type f -print0 | head -z -n 20000 | xargs -0 stat -c '%s %n' >/dev/null`;
const ARCHIVE = `tar cf - /usr/share/doc 2>/dev/null | gzip -1 > "$W/doc.tgz"; gunzip -c "$W/doc.tgz" | wc -c >/dev/null`;
const DISK = `dd if=/dev/zero of="$W/f" bs=4k count=12000 oflag=direct status=none; dd if="$W/f" of=/dev/null bs=16k iflag=direct status=none; dd if=/dev/urandom of="$W/g" bs=1M count=64 status=none; sync`;
/** A C build: gcc, cc1, as and ld exec'd again and again, with page faults and file reads. */
const BUILD = `for i in $(seq 12); do gcc -O2 -c -o "$W/o$i.o" /dev/null -x c - <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) { char b[64]; for (int i = 0; i < 1000; i++) snprintf(b, sizeof b, "%d", i); puts(strdup(b)); return 0; }
C
done`;
/** Loopback TCP ping-pong in Python: socket, skb and tcp events, wakeups between two processes. */
const SOCKETS = `python3 - <<'PY'
import socket, os
a = socket.socket(); a.bind(("127.0.0.1", 0)); a.listen(1)
if os.fork() == 0:
    c = socket.create_connection(a.getsockname())
    for i in range(4000): c.sendall(b"x" * (64 + i % 900)); c.recv(4096)
    os._exit(0)
s, _ = a.accept()
for i in range(4000): s.recv(4096); s.sendall(b"y" * 32)
os.wait()
PY`;
/** Python hashing and writing files: reads, writes, page cache and allocations. */
const PYFILES = `python3 - <<'PY'
import hashlib, os
w = os.environ.get("W", ".")
for i in range(300):
    p = os.path.join(w, f"f{i}")
    with open(p, "wb") as f: f.write(os.urandom(4096 * (1 + i % 16)))
    with open(p, "rb") as f: hashlib.sha256(f.read()).hexdigest()
    os.unlink(p)
PY`;
/** Small files created, appended, renamed and removed, then a tree copied: ext4 and journal events. */
const SMALL_FILES = `for i in $(seq 400); do echo "line $i" > "$W/a$i"; cat "$W/a$i" >> "$W/all"; mv "$W/a$i" "$W/b$i"; done; sync; rm -f "$W"/b*; cp -r /usr/share/doc "$W/doc" 2>/dev/null; sync`;
/** Python mapping and touching anonymous memory, then forking: page faults, mmap and task events. */
const MEMORY = `python3 - <<'PY'
import mmap, os
for i in range(200):
    m = mmap.mmap(-1, 1 << 20); m[::4096] = b"x" * 256; m.close()
    b = bytearray(i * 10000)
for i in range(20):
    pid = os.fork()
    if pid == 0: os._exit(0)
    os.waitpid(pid, 0)
PY`;
const MIXED = `ls -laR /etc >/dev/null 2>&1; ps aux >/dev/null; cat /proc/cpuinfo /proc/meminfo >/dev/null; sort /etc/services | uniq -c >/dev/null; ${PIPES.replace("1500", "150")}`;

export const CORPUS: CorpusEntry[] = [
  { name: "tc-all-zstd", what: "trace-cmd `-e all` (every event type), mixed shell load, v7 zstd", recorder: "trace-cmd", options: ["-e", "all"], load: `${MIXED}; ${ARCHIVE.replace("/usr/share/doc", "/usr/share/doc/b*")}`, bufferKb: 65536 },
  { name: "tc-all-none", what: "trace-cmd `-e all`, a shorter mixed load, v7 uncompressed", recorder: "trace-cmd", options: ["-e", "all", "--compression", "none"], load: MIXED, bufferKb: 65536 },
  { name: "tc-small-v6", what: "trace-cmd sched/irq/timer/syscalls/kmem, short load, v6", recorder: "trace-cmd", options: ["-e", "sched", "-e", "irq", "-e", "timer", "-e", "syscalls", "-e", "kmem", "--file-version", "6"], load: "ls -la /usr/bin >/dev/null; cat /etc/passwd >/dev/null; sleep 0.2", bufferKb: 16384 },
  { name: "tc-sched-v6", what: "trace-cmd `-e sched`, pipelines of short processes, v6", recorder: "trace-cmd", options: ["-e", "sched", "--file-version", "6"], load: PIPES, bufferKb: 65536 },
  { name: "tc-block-zstd", what: "trace-cmd `-e block -e writeback`, direct and buffered dd, v7 zstd", recorder: "trace-cmd", options: ["-e", "block", "-e", "writeback"], load: DISK, bufferKb: 65536 },
  { name: "vt-syscalls-v6", what: "vtrace `-e syscalls -e sched`, find + stat over /usr, v6", recorder: "vtrace", options: ["-e", "syscalls", "-e", "sched"], load: FILES, bufferKb: 131072 },
  { name: "vt-kmem-zstd", what: "vtrace `-e kmem -e irq`, tar + gzip, v7 zstd", recorder: "vtrace", options: ["-e", "kmem", "-e", "irq", "--file-version", "7"], load: ARCHIVE, bufferKb: 131072 },
  { name: "vt-all-v6", what: "vtrace `-e all`, find + stat + dd, v6", recorder: "vtrace", options: ["-e", "all"], load: `${FILES}; dd if=/dev/zero of="$W/f" bs=64 count=100000 status=none`, bufferKb: 262144 },
  // Added after the report work of issue #15 was tuned, as files it never saw.
  { name: "tc-build-zstd", what: "trace-cmd `-e sched -e irq -e timer -e workqueue -e exceptions`, gcc builds, v7 zstd", recorder: "trace-cmd", options: ["-e", "sched", "-e", "irq", "-e", "timer", "-e", "workqueue", "-e", "exceptions"], load: BUILD, bufferKb: 65536 },
  { name: "vt-net-v7none", what: "vtrace `-e sock -e skb -e tcp -e net -e sched`, loopback TCP ping-pong, v7 uncompressed", recorder: "vtrace", options: ["-e", "sock", "-e", "skb", "-e", "tcp", "-e", "net", "-e", "sched", "--file-version", "7", "--compression", "none"], load: SOCKETS, bufferKb: 65536 },
  { name: "tc-all-v6-py", what: "trace-cmd `-e all`, Python writing and hashing files, v6", recorder: "trace-cmd", options: ["-e", "all", "--file-version", "6"], load: PYFILES, bufferKb: 131072 },
  // Added at stop 14, before that stop's tuning, as files it never saw.
  { name: "tc-ext4-zstd", what: "trace-cmd `-e ext4 -e jbd2 -e filemap -e iomap -e writeback`, small files and a tree copy, v7 zstd", recorder: "trace-cmd", options: ["-e", "ext4", "-e", "jbd2", "-e", "filemap", "-e", "iomap", "-e", "writeback"], load: SMALL_FILES, bufferKb: 65536 },
  { name: "vt-mm-v6", what: "vtrace `-e exceptions -e mmap -e pagemap -e task -e signal -e sched`, Python mapping memory and forking, v6", recorder: "vtrace", options: ["-e", "exceptions", "-e", "mmap", "-e", "pagemap", "-e", "task", "-e", "signal", "-e", "sched"], load: MEMORY, bufferKb: 65536 },
  { name: "tc-big-zstd", what: "trace-cmd `-e sched -e irq -e timer -e syscalls -e ipi -e rcu`, gcc builds + find + stat, v7 zstd", recorder: "trace-cmd", options: ["-e", "sched", "-e", "irq", "-e", "timer", "-e", "syscalls", "-e", "ipi", "-e", "rcu"], load: `${BUILD}; ${FILES}; ${BUILD}; ${FILES}; ${PIPES}`, bufferKb: 262144 },
  { name: "tc-all-idle", what: "trace-cmd `-e all`, a mostly idle second (a shell and a sleep), v7 zstd", recorder: "trace-cmd", options: ["-e", "all"], load: "sleep 0.5; ls / >/dev/null; sleep 0.5", bufferKb: 16384 },
  { name: "merge-3", what: "host + 2 guests (`record -A`, sched/syscalls/kmem/irq, TIME_SHIFT), v6", recorder: "merge", options: [], load: "", bufferKb: 0 },
];

/** Why the corpus cannot be recorded here (files already cached still work), or undefined. */
export function corpusUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "not root";
  if (!existsSync(`${TRACEFS}/instances`)) return `no tracefs at ${TRACEFS}`;
  if (!Bun.which("trace-cmd")) return "trace-cmd is not installed";
  if (!existsSync(VTRACE)) return "dist/vtrace is not built (npm run build)";
  return undefined;
}

/** The entry's input files (one, or the merge set's three), recorded when missing; undefined when it cannot be. */
export async function corpusFiles(entry: CorpusEntry): Promise<string[] | undefined> {
  if (entry.recorder === "merge") {
    const why = mergeSetUnavailable();
    if (why) {
      console.log(`  ${entry.name}: skipped (${why})`);
      return undefined;
    }
    return mergeSet();
  }
  const dir = join(CACHE, `${entry.name}.${recipeKey(entry)}`);
  const file = join(dir, "trace.dat");
  if (existsSync(file)) return [file];
  const why = corpusUnavailable();
  if (why) {
    console.log(`  ${entry.name}: cannot record (${why})`);
    return undefined;
  }
  await record(entry, dir, file);
  return [file];
}

export { MERGE_SET_FILES };

/** A new recipe (options, load, buffer size) is a new file. */
function recipeKey(entry: CorpusEntry): string {
  return createHash("sha256").update(JSON.stringify({ RECIPE_VERSION, entry })).digest("hex").slice(0, 10);
}

async function record(entry: CorpusEntry, dir: string, file: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const work = join(dir, "work");
  mkdirSync(work, { recursive: true });
  const instance = `vtrace-bench-${entry.name}-${process.pid}`;
  const tmp = join(dir, `rec-${process.pid}.dat`);
  const load = ["sh", "-c", `W='${work}'; ${entry.load}`];
  const cmd =
    entry.recorder === "trace-cmd"
      ? ["trace-cmd", "record", "-d", "--no-filter", "-B", instance, "-b", String(entry.bufferKb), ...entry.options, "-o", tmp, "--", ...load]
      : [VTRACE, "record", "-B", instance, "-b", String(entry.bufferKb), ...entry.options, "-o", tmp, "--", ...load];
  process.stdout.write(`  recording ${entry.name} (${entry.recorder})...\n`);
  try {
    const p = Bun.spawn(cmd, { stdout: "ignore", stderr: "pipe", cwd: work });
    const [err, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
    // trace-cmd exits 1 here after writing a good file: resetting set_ftrace_filter gives EPERM.
    const refused = code !== 0 && !(entry.recorder === "trace-cmd" && /Operation not permitted/.test(err));
    if (refused || !existsSync(tmp)) throw new Error(`${cmd.slice(0, 3).join(" ")} ... failed (${code}): ${err.slice(-500)}`);
    renameSync(tmp, file);
  } finally {
    removeInstance(instance); // trace-cmd leaves its -B instance behind
    rmSync(tmp, { force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

function removeInstance(name: string): void {
  const root = `${TRACEFS}/instances/${name}`;
  for (let i = 0; i < 20 && existsSync(root); i++) {
    try {
      writeFileSync(`${root}/tracing_on`, "0");
      writeFileSync(`${root}/events/enable`, "0");
      rmdirSync(root);
    } catch {
      Bun.sleepSync(50);
    }
  }
}

/** Cached event counts, by file path and size (counting a 3M-event file takes trace-cmd seconds). */
export function cachedCount(key: string, count: () => number): number {
  const path = join(CACHE, "counts.json");
  const all: Record<string, number> = existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : {};
  if (all[key] === undefined) {
    all[key] = count();
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(path, JSON.stringify(all, null, 1));
  }
  return all[key]!;
}

/** Names of the cached recordings (for listing what is there). */
export function cachedNames(): string[] {
  return existsSync(CACHE) ? readdirSync(CACHE).filter((n) => !n.endsWith(".json")) : [];
}
