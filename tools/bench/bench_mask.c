/* SPDX-License-Identifier: MIT */
/*
 * bench_mask — throughput of the mask_stdout relay (launcher/mask_stream.c)
 * with every preset on, over build-log-like text: compiler command lines,
 * warnings with ANSI colours, test results, a few UTF-8 bytes, and about
 * one secret per 10 MB. The text is fed in 64 KiB chunks (a pipe's worth)
 * into an emitter that copies to an output buffer, against a plain
 * memcpy() of the same chunks. It checks that every planted secret was
 * masked and that the output has the expected length.
 *
 *   bench_mask [MB] [RUNS] [VALUES] [REGEX]
 *
 * Defaults: 200 MB, 5 runs (best and median reported). VALUES adds that
 * many random 32-byte literal values (the hidden files' values); REGEX
 * adds one custom pattern (to see what, say, a \b costs).
 *
 * Built like bench_match (tools/bench/bench.sh), plus the launcher file:
 *   cc -std=gnu17 -O2 -D_GNU_SOURCE -I. $(pkg-config --cflags libpcre2-8) \
 *      -o build/bench/bench_mask tools/bench/bench_mask.c launcher/mask_stream.c \
 *      build/libaigate_policy.a $(pkg-config --libs yaml-0.1 libpcre2-8)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "launcher/mask_stream.h"
#include "policy/mask.h"

#define CHUNK (64 * 1024)

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct sink {
	uint8_t *buf;
	size_t len, cap;
};

static int sink_emit(void *ctx, const uint8_t *data, size_t len)
{
	struct sink *k = ctx;
	if (k->len + len > k->cap)
		return -1;
	memcpy(k->buf + k->len, data, len);
	k->len += len;
	return 0;
}

/* Secrets planted in the text, with what each becomes (every preset once). */
static const char *const secrets[][2] = {
	{ "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "sk-ant-***" },
	{ "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "sk-***" },
	{ "AKIAIOSFODNN7EXAMPLE", "AKIA***" },
	{ "ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "ghp_***" },
	{ "Bearer eyJhbGciOiJIUzI1NiJ9abc", "Bearer ***" },
	{ "xoxb-1234567890-abcdefghij", "xoxb-***" },
	{ "AIzaSyA-1234567890abcdefghijklmnopqrstu", "AIza***" },
	{ "sk_live_AbCdEfGhIjKlMnOp", "sk_live_***" },
	{ "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_"
	  "XgL0n3I9PlFUP0THsR8U",
	  "eyJ***" },
};

/* Build-log-like text of about @mb MB; *@ret_planted secrets, *@ret_out the masked length. */
static uint8_t *make_text(size_t mb, size_t *ret_len, size_t *ret_planted, size_t *ret_out)
{
	size_t cap = mb << 20, len = 0, planted = 0, saved = 0, next_secret = 5u << 20;
	uint8_t *t = malloc(cap + 4096);
	unsigned i = 0;

	if (!t)
		return NULL;
	while (len < cap) {
		char line[512];
		int n;
		switch (i % 8) {
		case 0:
		case 1:
			n = snprintf(
				line, sizeof(line),
				"gcc -O2 -g -Wall -Wextra -I include -c src/module_%u/foo_%u.c -o "
				"build/obj/module_%u/foo_%u.o\n",
				i % 97, i, i % 97, i);
			break;
		case 2:
			n = snprintf(line, sizeof(line),
				     "ok %u - test name %u passes as expected\n", i, i * 7);
			break;
		case 3:
			n = snprintf(line, sizeof(line),
				     "\x1b[1msrc/parse_%u.c:%u:%u: \x1b[35mwarning: \x1b[0munused "
				     "variable 'tmp' [-Wunused-variable]\n",
				     i % 31, i % 1000, i % 80);
			break;
		case 4:
			n = snprintf(line, sizeof(line),
				     "  CC      drivers/gpu/drm/amd/display/dc_%u.o\n", i);
			break;
		case 5:
			n = snprintf(line, sizeof(line),
				     "[%3u%%] Building CXX object src/CMakeFiles/core.dir/"
				     "résumé_%u.cpp.o\n",
				     i % 101, i);
			break;
		case 6:
			n = snprintf(line, sizeof(line),
				     "make[2]: Leaving directory '/home/user/project/sub_%u'\n", i);
			break;
		default:
			n = snprintf(line, sizeof(line),
				     "ar rcs build/libthing_%u.a build/obj/a.o build/obj/b.o\n", i);
			break;
		}
		if (len >= next_secret) {
			const char *const *s =
				secrets[planted % (sizeof(secrets) / sizeof(secrets[0]))];
			n = snprintf(line, sizeof(line), "export TOKEN=%s done\n", s[0]);
			saved += strlen(s[0]) - strlen(s[1]);
			planted++;
			next_secret += 10u << 20;
		}
		memcpy(t + len, line, (size_t)n);
		len += (size_t)n;
		i++;
	}
	*ret_len = len;
	*ret_planted = planted;
	*ret_out = len - saved;
	return t;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 200;
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	size_t nvalues = argc > 3 ? strtoul(argv[3], NULL, 10) : 0;
	const char *regex = argc > 4 ? argv[4] : NULL;
	char yaml[2048] = "mask_stdout:\n  presets: [";
	size_t npresets, len, planted, out_len, npat;
	const struct mask_preset *ps = mask_presets(&npresets);
	struct policy_diag d;
	struct policy_blob b;
	struct mask_set *set;
	void *data;
	size_t size;
	char err[256];

	if (runs < 1 || runs > 100 || mb < 1 || mb > 4096 || nvalues > MASK_LITERALS_MAX ||
	    (regex && strlen(regex) > 1000))
		return 2;
	for (size_t i = 0; i < npresets; i++) {
		if (i && strcmp(ps[i].name, ps[i - 1].name) == 0)
			continue;
		strcat(yaml, i ? ", " : "");
		strcat(yaml, ps[i].name);
	}
	strcat(yaml, "]\n");
	if (regex) {
		/* A YAML single-quoted scalar: only the quote itself needs doubling. */
		size_t at = strlen(yaml);
		at += (size_t)sprintf(yaml + at, "  patterns:\n    - regex: '");
		for (const char *c = regex; *c; c++) {
			if (*c == '\'')
				yaml[at++] = '\'';
			yaml[at++] = *c;
		}
		strcpy(yaml + at, "'\n");
	}
	char **values = calloc(nvalues + 1, sizeof(*values));
	uint64_t seed = 0x2545f4914f6cdd1du;
	for (size_t i = 0; values && i < nvalues; i++) {
		static const char b64[] =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		if (!(values[i] = calloc(33, 1)))
			return 1;
		for (size_t j = 0; j < 32; j++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			values[i][j] = b64[seed % 64];
		}
	}
	if (!values)
		return 1;

	struct policy *p = policy_new();
	if (policy_load_buffer(p, yaml, strlen(yaml), "bench", &d) < 0 ||
	    policy_compile(p, "/home/user", "/home/user/proj", &data, &size) < 0 ||
	    policy_blob_open(data, size, &b) < 0) {
		fprintf(stderr, "bench_mask: policy: %s\n", d.msg);
		return 1;
	}
	double tb = now_s();
	if (mask_set_build(&b, (const char *const *)values, nvalues, &set, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_mask: %s\n", err);
		return 1;
	}
	tb = now_s() - tb;
	mask_set_patterns(set, &npat);

	uint8_t *text = make_text(mb, &len, &planted, &out_len);
	struct sink k = { .buf = malloc(len + 4096), .cap = len + 4096 };
	if (!text || !k.buf)
		return 1;

	double *tm = calloc((size_t)runs, sizeof(double)),
	       *tc = calloc((size_t)runs, sizeof(double));
	uint64_t masked = 0;
	if (!tm || !tc)
		return 1;
	for (int run = 0; run < runs; run++) {
		struct mask_stream *s = mask_stream_new(set);
		if (!s)
			return 1;
		k.len = 0;
		double t0 = now_s();
		for (size_t off = 0; off < len; off += CHUNK)
			if (mask_stream_feed(s, text + off, len - off < CHUNK ? len - off : CHUNK,
					     sink_emit, &k) < 0)
				return 1;
		if (mask_stream_flush(s, sink_emit, &k) < 0)
			return 1;
		tm[run] = now_s() - t0;
		masked = 0;
		for (size_t i = 0; i < npat; i++)
			masked += mask_stream_count(s, i);
		mask_stream_free(s);
		if (k.len != out_len || masked != planted) {
			fprintf(stderr,
				"bench_mask: wrong output: %zu bytes (expected %zu), %llu masked "
				"(expected %zu)\n",
				k.len, out_len, (unsigned long long)masked, planted);
			return 1;
		}

		k.len = 0;
		t0 = now_s();
		for (size_t off = 0; off < len; off += CHUNK)
			sink_emit(&k, text + off, len - off < CHUNK ? len - off : CHUNK);
		tc[run] = now_s() - t0;
	}
	qsort(tm, (size_t)runs, sizeof(double), cmp_double);
	qsort(tc, (size_t)runs, sizeof(double), cmp_double);
	double mbytes = (double)len / 1e6;
	printf("mask set: %zu patterns (every preset%s), %zu literal values, built in %.2f ms\n",
	       npat, regex ? ", one custom" : "", nvalues, tb * 1e3);
	printf("text: %.1f MB of build log, %zu secrets planted and masked, %d runs, 64 KiB "
	       "chunks\n",
	       mbytes, planted, runs);
	printf("  masker  %8.0f MB/s best  %8.0f MB/s median\n", mbytes / tm[0],
	       mbytes / tm[runs / 2]);
	printf("  memcpy  %8.0f MB/s best  %8.0f MB/s median\n", mbytes / tc[0],
	       mbytes / tc[runs / 2]);
	for (size_t i = 0; i < nvalues; i++)
		free(values[i]);
	free(values);
	free(tm);
	free(tc);
	free(k.buf);
	free(text);
	mask_set_free(set);
	policy_free(p);
	free(data);
	return 0;
}
