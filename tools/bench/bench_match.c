/* SPDX-License-Identifier: MIT */
/*
 * bench_match — nanoseconds per policy decision on the paths the shim and
 * the supervisor will take: a deny_read check per open() and a deny_exec
 * check per execve(), with the default policy compiled into a blob. For
 * reference it times glibc fnmatch() over the same patterns under the
 * process locale, which is what a naive shim would use.
 *
 *   bench_match [LOCALE]     (e.g. C or C.UTF-8)
 */
#include <fnmatch.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/blob.h"

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static volatile int sink;

int main(int argc, char **argv)
{
	const char *loc = argc > 1 ? argv[1] : "C";
	struct policy_diag d;
	struct policy_blob b;
	struct argvmatch_scratch scratch;
	void *data;
	size_t len, size;
	const int iters = 200000;

	if (!setlocale(LC_ALL, loc)) {
		fprintf(stderr, "bench_match: locale %s not available\n", loc);
		return 2;
	}
	struct policy *p = policy_new();
	const char *text = policy_default_yaml(&len);
	if (policy_load_buffer(p, text, len, "default", &d) < 0 ||
	    policy_compile(p, "/home/user", "/home/user/proj", &data, &size) < 0 ||
	    policy_blob_open(data, size, &b) < 0)
		return 1;

	/* Typical opens in a build: allowed, deep in the project or the system. */
	static const char *const paths[] = {
		"/home/user/proj/src/module/file.c", "/usr/include/stdio.h",
		"/home/user/proj/node_modules/pkg/lib/index.js", "/usr/lib/x86_64-linux-gnu/libc.so.6",
		"/home/user/proj/build/obj/a.o",     "/etc/ld.so.cache",
		"/home/user/.cache/pip/x",	     "/home/user/proj/README.md",
	};
	const size_t np = sizeof(paths) / sizeof(paths[0]);
	double t0 = now_ns();
	for (int i = 0; i < iters; i++)
		sink += policy_blob_match_path(&b, POLICY_BLOB_DENY_READ, paths[i % np], false);
	double open_ns = (now_ns() - t0) / iters;

	const char *argv_gcc[] = { "gcc", "-O2", "-c", "x.c", "-o", "x.o" };
	const char *argv_git[] = { "git", "-C", "dir", "status", "--short" };
	const char *argv_sh[] = { "sh", "-c", "cd build && make -j2 all" };
	t0 = now_ns();
	for (int i = 0; i < iters; i++) {
		const char *const *v = i % 3 == 0 ? argv_gcc : i % 3 == 1 ? argv_git : argv_sh;
		size_t n = i % 3 == 0 ? 6 : i % 3 == 1 ? 5 : 3;
		sink += policy_blob_match_exec(&b, v, n, &scratch, NULL);
	}
	double exec_ns = (now_ns() - t0) / iters;

	/* The naive alternative: fnmatch(FNM_PATHNAME) over every pattern, per component. */
	t0 = now_ns();
	for (int i = 0; i < iters; i++) {
		const char *path = paths[i % np];
		for (uint32_t r = 0; r < p->deny_read.n; r++)
			sink += fnmatch(p->deny_read.items[r].value, path, FNM_PATHNAME);
	}
	double fnm_ns = (now_ns() - t0) / iters;

	printf("  %-44s %8.0f ns\n", "deny_read check per open (aigate matcher)", open_ns);
	printf("  %-44s %8.0f ns\n", "deny_exec check per exec (aigate matcher)", exec_ns);
	printf("  %-44s %8.0f ns\n", "glibc fnmatch over the same patterns", fnm_ns);
	printf("  (locale %s, %u deny_read and %u deny_exec rules, %d iterations)\n", loc,
	       policy_blob_count(&b, POLICY_BLOB_DENY_READ),
	       policy_blob_count(&b, POLICY_BLOB_DENY_EXEC), iters);
	free(data);
	policy_free(p);
	return 0;
}
