/* SPDX-License-Identifier: MIT */
/*
 * bench_shim.c — micro-benchmarks for libaigate_shim.so, timed inside the
 * process (start-up is not in the open figure). Built dynamically by
 * bench_shim.sh and run under build/shim-harness with and without the shim.
 *
 *   bench_shim open N PATH     ns per open()+close() of PATH (allowed)
 *   bench_shim missing N PATH  ns per open() of PATH, which must not exist
 *                              (ENOENT: the least kernel work, so the
 *                              shim's share of the figure is largest)
 *   bench_shim spawn N PROG    µs per posix_spawn()+waitpid() of PROG
 *
 * Prints two numbers: wall-clock time per call, and CPU time per call (this
 * process's user and system time, plus its waited-for children's for
 * spawn). On a machine shared with other jobs the wall clock also counts
 * the time spent waiting for a CPU; the CPU time does not.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* CPU time used so far, ns: ours, and (@children) our waited-for children's. */
static double cpu_ns(int children)
{
	struct rusage ru;
	double t = 0;

	for (int who = 0; who <= children; who++) {
		getrusage(who ? RUSAGE_CHILDREN : RUSAGE_SELF, &ru);
		t += (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
		     (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
	}
	return t;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: bench_shim open|missing|spawn N PATH\n");
		return 2;
	}
	long n = atol(argv[2]);
	const char *path = argv[3];
	double t0, t1, c0, c1;

	if (n <= 0)
		return 2;
	if (strcmp(argv[1], "open") == 0) {
		for (long i = 0; i < n / 10; i++) /* warm up: symbols resolved, caches hot */
			close(open(path, O_RDONLY));
		c0 = cpu_ns(0);
		t0 = now_ns();
		for (long i = 0; i < n; i++) {
			int fd = open(path, O_RDONLY);
			if (fd < 0) {
				perror(path);
				return 1;
			}
			close(fd);
		}
		t1 = now_ns();
		c1 = cpu_ns(0);
		printf("%.1f %.1f\n", (t1 - t0) / (double)n, (c1 - c0) / (double)n);
		return 0;
	}
	if (strcmp(argv[1], "missing") == 0) {
		for (long i = 0; i < n / 10; i++)
			(void)open(path, O_RDONLY);
		c0 = cpu_ns(0);
		t0 = now_ns();
		for (long i = 0; i < n; i++) {
			if (open(path, O_RDONLY) >= 0 || errno != ENOENT) {
				fprintf(stderr, "%s: exists or not ENOENT\n", path);
				return 1;
			}
		}
		t1 = now_ns();
		c1 = cpu_ns(0);
		printf("%.1f %.1f\n", (t1 - t0) / (double)n, (c1 - c0) / (double)n);
		return 0;
	}
	if (strcmp(argv[1], "spawn") == 0) {
		char *args[] = { (char *)path, NULL };
		c0 = cpu_ns(1);
		t0 = now_ns();
		for (long i = 0; i < n; i++) {
			pid_t pid;
			int status;
			if (posix_spawn(&pid, path, NULL, NULL, args, environ) != 0) {
				perror("posix_spawn");
				return 1;
			}
			waitpid(pid, &status, 0);
		}
		t1 = now_ns();
		c1 = cpu_ns(1);
		printf("%.1f %.1f\n", (t1 - t0) / (double)n / 1000.0,
		       (c1 - c0) / (double)n / 1000.0);
		return 0;
	}
	return 2;
}
