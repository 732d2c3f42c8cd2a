/*
 * Baseline for test/bench/record.bench.ts: the plainest C version of vtrace's per-CPU mover.
 * One pinned thread per CPU: poll(trace_pipe_raw, wake pipe, 100 ms), splice 16 pages into a
 * private 1 MiB pipe, splice that into cpuN.raw; on SIGINT drain with non-blocking read().
 * usage: splice-loop INSTANCE_DIR OUT_DIR NCPUS   (prints total bytes on stdout when stopped)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int wake[2];
static const char *inst, *outdir;

static long move_pages(int raw, int p[2], int out)
{
	long total = 0;
	for (;;) {
		ssize_t n = splice(raw, NULL, p[1], NULL, 16 * 4096, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n <= 0)
			return total;
		for (ssize_t left = n; left > 0;) {
			ssize_t m = splice(p[0], NULL, out, NULL, left, SPLICE_F_MOVE);
			if (m > 0)
				left -= m;
		}
		total += n;
	}
}

static void *cpu_thread(void *arg)
{
	long cpu = (long)arg, total = 0;
	char path[512];
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	snprintf(path, sizeof(path), "%s/per_cpu/cpu%ld/trace_pipe_raw", inst, cpu);
	int raw = open(path, O_RDONLY | O_NONBLOCK);
	snprintf(path, sizeof(path), "%s/cpu%ld.raw", outdir, cpu);
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int p[2];
	if (raw < 0 || out < 0 || pipe2(p, O_NONBLOCK) < 0) {
		perror("open");
		exit(1);
	}
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	struct pollfd fds[2] = { { raw, POLLIN, 0 }, { wake[0], POLLIN, 0 } };
	for (;;) {
		poll(fds, 2, 100);
		total += move_pages(raw, p, out);
		if (fds[1].revents & POLLIN)
			break;
	}
	total += move_pages(raw, p, out);
	char page[4096];
	for (ssize_t n; (n = read(raw, page, sizeof(page))) > 0;)
		total += write(out, page, n);
	close(out);
	return (void *)total;
}

static void on_signal(int sig)
{
	(void)sig;
	if (write(wake[1], "x", 1) < 0)
		_exit(1);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s INSTANCE_DIR OUT_DIR NCPUS\n", argv[0]);
		return 2;
	}
	inst = argv[1];
	outdir = argv[2];
	long ncpus = atol(argv[3]), total = 0;
	if (pipe(wake) < 0)
		return 1;
	signal(SIGINT, on_signal);
	pthread_t t[256];
	for (long c = 0; c < ncpus; c++)
		pthread_create(&t[c], NULL, cpu_thread, (void *)c);
	fprintf(stderr, "ready\n");
	for (long c = 0; c < ncpus; c++) {
		void *r;
		pthread_join(t[c], &r);
		total += (long)r;
	}
	printf("%ld\n", total);
	return 0;
}
