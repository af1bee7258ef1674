/* SPDX-License-Identifier: MIT */
/*
 * test_audit_limit.c — the audit writer's rate limit and counters
 * (docs/audit.md, "Rate limiting"), on records written into a memfd: the
 * burst per (rule, pid), keys kept apart, exact counters, summaries for
 * what no record reported, allowed records never dropped.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "launcher/audit.h"

static int fd;

static void setup(void)
{
	fd = memfd_create("audit", 0);
	cr_assert_geq(fd, 0);
	struct audit_config c = { .fd = fd, .path = "memfd", .level = AUDIT_LEVEL_DENIED };
	cr_assert_eq(audit_init(&c), 0);
}

/* The written lines, NUL-separated in one malloc'd buffer; *n gets the count. */
static char *lines(size_t *n)
{
	off_t size = lseek(fd, 0, SEEK_END);
	char *buf = calloc(1, (size_t)size + 1);
	cr_assert_eq(pread(fd, buf, (size_t)size, 0), size);
	*n = 0;
	for (char *p = buf; *p; p++)
		if (*p == '\n') {
			*p = 0;
			(*n)++;
		}
	return buf;
}

static struct audit_record denial(pid_t pid, const char *rule)
{
	return (struct audit_record){ .action = "open",
				      .target = "/p/.env",
				      .rule = rule,
				      .origin = "g.yaml:3",
				      .verdict = "denied",
				      .enforcer = "supervisor",
				      .pid = pid,
				      .uid = -1 };
}

TestSuite(audit_limit, .init = setup);

Test(audit_limit, burst_then_summary)
{
	for (int i = 0; i < 1000; i++) {
		struct audit_record r = denial(7, ".env");
		audit_write(&r);
	}
	size_t n;
	char *buf = lines(&n);
	cr_assert_eq(n, 10, "the burst only (all within a second): %zu lines", n);
	struct audit_totals t;
	audit_totals(&t);
	cr_assert_eq(t.denied, 1000);
	cr_assert_eq(t.suppressed, 990);
	free(buf);
	audit_flush_suppressed();
	buf = lines(&n);
	cr_assert_eq(n, 11);
	char *last = buf;
	for (size_t i = 0; i < 10; i++)
		last += strlen(last) + 1;
	cr_assert(strstr(last, "\"suppressed\":990"), "%s", last);
	cr_assert(strstr(last, "\"summary\":true"), "%s", last);
	cr_assert(strstr(last, "\"pid\":7"), "%s", last);
	cr_assert(strstr(last, "\"rule\":{\"text\":\".env\",\"origin\":\"g.yaml:3\"}"), "%s", last);
	free(buf);
	/* Nothing pending: a second flush writes nothing. */
	audit_flush_suppressed();
	free(lines(&n));
	cr_assert_eq(n, 11);
}

Test(audit_limit, keys_apart)
{
	/* Another pid, another rule: each has a burst of its own. */
	for (int i = 0; i < 20; i++) {
		struct audit_record a = denial(1, ".env"), b = denial(2, ".env"),
				    c = denial(1, "*.pem");
		audit_write(&a);
		audit_write(&b);
		audit_write(&c);
	}
	size_t n;
	free(lines(&n));
	cr_assert_eq(n, 30);
	struct audit_totals t;
	audit_totals(&t);
	cr_assert_eq(t.denied, 60);
	cr_assert_eq(t.suppressed, 30);
}

Test(audit_limit, allowed_never_dropped)
{
	for (int i = 0; i < 100; i++) {
		struct audit_record r = { .action = "exec",
					  .target = "/usr/bin/true",
					  .verdict = "allowed",
					  .enforcer = "supervisor",
					  .pid = 3,
					  .uid = -1 };
		cr_assert_eq(audit_write(&r), 0);
	}
	size_t n;
	free(lines(&n));
	cr_assert_eq(n, 100);
	struct audit_totals t;
	audit_totals(&t);
	cr_assert_eq(t.denied, 0);
}

Test(audit_limit, one_sequence)
{
	struct audit_record a = denial(1, "x"), b = denial(2, "x");
	audit_write(&a);
	audit_write(&b);
	size_t n;
	char *buf = lines(&n);
	cr_assert(strstr(buf, "\"seq\":1,"), "%s", buf);
	cr_assert(strstr(buf + strlen(buf) + 1, "\"seq\":2,"), "%s", buf + strlen(buf) + 1);
	free(buf);
}

/* A record past 16 KiB keeps every field, shortened strings and lists, and stays one JSON line. */
Test(audit_limit, long_record_whole)
{
	static char big[20000];
	static const char *argv[3001];
	memset(big, 'a', sizeof(big) - 1);
	for (size_t i = 0; i < 3000; i++)
		argv[i] = i % 2 ? big : "x";
	struct audit_record r = denial(9, ".env");
	r.argv = argv;
	r.target = big;
	r.reason = "after the argv";
	cr_assert_eq(audit_write(&r), 0);
	size_t n;
	char *buf = lines(&n);
	cr_assert_eq(n, 1);
	size_t len = strlen(buf);
	cr_assert_leq(len, AUDIT_MAX_RECORD);
	cr_assert(strstr(buf, "\"verdict\":\"denied\""), "fields after the argv are kept");
	cr_assert(strstr(buf, "\"reason\":\"after the argv\""));
	cr_assert(strstr(buf, "\"rule\":{\"text\":\".env\",\"origin\":\"g.yaml:3\"}"));
	cr_assert_str_eq(buf + len - strlen(",\"truncated\":true}"), ",\"truncated\":true}");
	/* Balanced: every string closed (no escapes in this record). */
	size_t quotes = 0;
	for (char *p = buf; *p; p++)
		quotes += *p == '"';
	cr_assert_eq(quotes % 2, 0);
	free(buf);
}

/* No pid (a sender already gone): no per-key limit, only the global bucket. */
Test(audit_limit, no_pid_not_keyed)
{
	for (int i = 0; i < 100; i++) {
		struct audit_record r = denial(0, ".env");
		audit_write(&r);
	}
	size_t n;
	free(lines(&n));
	cr_assert_eq(n, 100);
}
