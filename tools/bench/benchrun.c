/* SPDX-License-Identifier: MIT */
/*
 * benchrun — time whole commands side by side.
 *
 *   benchrun [-n RUNS] [-w WARMUP] NAME CMD ARGS… [:: NAME CMD ARGS…]…
 *
 * Runs the commands alternately (A B C A B C …) so that machine noise hits
 * them all alike, spawns each directly (posix_spawn, no shell in the timed
 * path), and prints the median, p10 and p90 wall time of each and its ratio
 * to the first command (the baseline). Output to /dev/null; a non-zero exit
 * of a timed command is reported and fails the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct workload {
	const char *name;
	char **argv;
	double *samples;
};

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double run_once(const struct workload *w, int *ret_status)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	double t0 = now_us();
	int r = posix_spawnp(&pid, w->argv[0], &fa, NULL, w->argv, environ);
	if (r != 0) {
		fprintf(stderr, "benchrun: %s: cannot start %s: %s\n", w->name, w->argv[0],
			strerror(r));
		exit(2);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			exit(2);
	double t1 = now_us();
	posix_spawn_file_actions_destroy(&fa);
	*ret_status = status;
	return t1 - t0;
}

static double pct(const double *sorted, int n, double p)
{
	int i = (int)(p * (n - 1) + 0.5);
	return sorted[i];
}

int main(int argc, char **argv)
{
	struct workload ws[16];
	int nw = 0, runs = 30, warmup = 3, i = 1;

	while (i < argc && argv[i][0] == '-' && argv[i][1]) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			runs = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "-w") == 0 && i + 1 < argc)
			warmup = atoi(argv[i + 1]);
		else
			break;
		i += 2;
	}
	/* NAME CMD ARGS… [:: NAME CMD ARGS…]… ; "::" words become the argv terminators. */
	while (i < argc && nw < 16) {
		int j = i + 1;
		while (j < argc && strcmp(argv[j], "::") != 0)
			j++;
		if (j == i + 1) {
			fprintf(stderr, "usage: benchrun [-n RUNS] [-w WARMUP] NAME CMD… [:: NAME CMD…]…\n");
			return 2;
		}
		ws[nw].name = argv[i];
		ws[nw].argv = argv + i + 1;
		ws[nw].samples = calloc((size_t)runs, sizeof(double));
		argv[j] = NULL; /* argv[argc] is NULL already */
		nw++;
		i = j + 1;
	}
	if (nw == 0 || runs < 3)
		return 2;

	for (int r = 0; r < warmup; r++)
		for (int k = 0; k < nw; k++) {
			int st;
			run_once(&ws[k], &st);
		}
	for (int r = 0; r < runs; r++) {
		for (int k = 0; k < nw; k++) {
			int st;
			ws[k].samples[r] = run_once(&ws[k], &st);
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				fprintf(stderr, "benchrun: %s exited with status %d\n", ws[k].name,
					WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
				return 1;
			}
		}
	}
	double base = 0;
	printf("  %-34s %10s %10s %10s %8s\n", "workload", "median", "p10", "p90", "ratio");
	for (int k = 0; k < nw; k++) {
		qsort(ws[k].samples, (size_t)runs, sizeof(double), cmp_double);
		double med = pct(ws[k].samples, runs, 0.5);
		if (k == 0)
			base = med;
		printf("  %-34s %8.0fus %8.0fus %8.0fus %7.2fx\n", ws[k].name, med,
		       pct(ws[k].samples, runs, 0.1), pct(ws[k].samples, runs, 0.9), med / base);
	}
	return 0;
}
