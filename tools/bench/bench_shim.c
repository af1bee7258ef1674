/* SPDX-License-Identifier: MIT */
/*
 * bench_shim.c — micro-benchmarks for libaigate_shim.so, timed inside the
 * process (start-up is not in the open figure). Built dynamically by
 * bench_shim.sh and run under build/shim-harness with and without the shim.
 *
 *   bench_shim open N PATH     ns per open()+close() of PATH (allowed)
 *   bench_shim spawn N PROG    µs per posix_spawn()+waitpid() of PROG
 *
 * Prints one number.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: bench_shim open|spawn N PATH\n");
		return 2;
	}
	long n = atol(argv[2]);
	const char *path = argv[3];
	double t0, t1;

	if (n <= 0)
		return 2;
	if (strcmp(argv[1], "open") == 0) {
		for (long i = 0; i < n / 10; i++) /* warm up: symbols resolved, caches hot */
			close(open(path, O_RDONLY));
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
		printf("%.1f\n", (t1 - t0) / (double)n);
		return 0;
	}
	if (strcmp(argv[1], "spawn") == 0) {
		char *args[] = { (char *)path, NULL };
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
		printf("%.1f\n", (t1 - t0) / (double)n / 1000.0);
		return 0;
	}
	return 2;
}
