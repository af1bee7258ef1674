/* SPDX-License-Identifier: MIT */
/*
 * bench_linelat.c — latency of a line through aigate's output relay
 * (tools/bench/bench_mask.sh).
 *
 *   bench_linelat write N   print N lines "t=<CLOCK_MONOTONIC ns> …", one per 2 ms
 *   bench_linelat read      read lines from stdin; print the median and the
 *                           95th percentile of (arrival - t) in µs
 * CLOCK_MONOTONIC is the same clock inside the sandbox and outside (no time
 * namespace), so the difference is the relay's delay plus the pipes'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "write") == 0) {
		int n = atoi(argv[2]);
		struct timespec gap = { 0, 2000000 };
		for (int i = 0; i < n; i++) {
			char line[160];
			int len = snprintf(line, sizeof(line),
					   "t=%lld gcc -O2 -c src/file_%d.c -o build/file_%d.o\n",
					   now_ns(), i, i);
			if (write(1, line, (size_t)len) != len)
				return 1;
			nanosleep(&gap, NULL);
		}
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "read") == 0) {
		static double lat[100000];
		size_t n = 0;
		char line[512];
		while (n < 100000 && fgets(line, sizeof(line), stdin)) {
			long long arrived = now_ns();
			char *t = strstr(line, "t=");
			if (t)
				lat[n++] = (double)(arrived - atoll(t + 2)) / 1000.0;
		}
		if (!n)
			return 1;
		qsort(lat, n, sizeof(lat[0]), cmp);
		printf("%.0f %.0f\n", lat[n / 2], lat[n * 95 / 100]);
		return 0;
	}
	fprintf(stderr, "usage: bench_linelat write N | read\n");
	return 2;
}
