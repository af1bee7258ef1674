/* SPDX-License-Identifier: MIT */
/*
 * test_audit_summary.c — what `aigate audit` does with records, apart from
 * files: RFC 3339 and --since values, checking one line as a record, the
 * counting (weights of suppressed and summary records, groups, ties,
 * top offenders, masks), the three renderings (the json one read back with
 * json_read), escaping for terminals and markdown, the --follow line, and
 * that the order of the input does not change the output.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "launcher/audit_summary.h"
#include "launcher/json_read.h"
#include "launcher/mask_stream.h"
#include "policy/util.h"

static size_t case_index[64];

static struct criterion_test_params case_indices(size_t n)
{
	for (size_t i = 0; i < n; i++)
		case_index[i] = i;
	return cr_make_param_array(size_t, case_index, n);
}

/* ---- time ---------------------------------------------------------------------------- */

struct time_case {
	const char *in;
	int ok;
	int64_t us;
};

static const struct time_case time_cases[] = {
	{ "1970-01-01T00:00:00Z", 1, 0 },
	{ "2026-11-23T14:02:11.123456Z", 1, INT64_C(1795442531123456) },
	{ "2026-11-23T14:02:11Z", 1, INT64_C(1795442531000000) },
	{ "2026-11-23t14:02:11.1z", 1, INT64_C(1795442531100000) },
	{ "2026-11-23T14:02:11.123456789Z", 1, INT64_C(1795442531123456) },
	{ "2026-11-23T15:02:11+01:00", 1, INT64_C(1795442531000000) },
	{ "2026-11-23T13:32:11-00:30", 1, INT64_C(1795442531000000) },
	{ "2024-02-29T00:00:00Z", 1, INT64_C(1709164800000000) },
	{ "2000-03-01T00:00:00Z", 1, INT64_C(951868800000000) },
	{ "1969-12-31T23:59:59Z", 1, INT64_C(-1000000) },
	{ "0001-01-01T00:00:00Z", 1, INT64_C(-62135596800000000) },
	{ "9999-12-31T23:59:59Z", 1, INT64_C(253402300799000000) },
	{ "2026-11-23", 0, 0 },
	{ "2026-11-23T10:00:00", 0, 0 },
	{ "2026-11-23T10:00Z", 0, 0 },
	{ "2026-11-23 10:00:00Z", 0, 0 },
	{ "2026-13-01T00:00:00Z", 0, 0 },
	{ "2026-00-01T00:00:00Z", 0, 0 },
	{ "2025-02-29T00:00:00Z", 0, 0 },
	{ "2026-04-31T00:00:00Z", 0, 0 },
	{ "2026-11-23T24:00:00Z", 0, 0 },
	{ "2026-11-23T10:60:00Z", 0, 0 },
	{ "2026-11-23T10:00:00.Z", 0, 0 },
	{ "2026-11-23T10:00:00Zx", 0, 0 },
	{ "2026-11-23T10:00:00+0100", 0, 0 },
	{ "2026-11-23T10:00:00+01", 0, 0 },
	{ "+2026-11-23T10:00:00Z", 0, 0 },
	{ "", 0, 0 },
	{ "x", 0, 0 },
};

ParameterizedTestParameters(audit_summary, time_parse)
{
	return case_indices(ARRAY_SIZE(time_cases));
}

/* Check one row: @parse(in) gives tc->us, or -EINVAL and writes nothing. */
static void check_time(const struct time_case *tc, int (*parse)(const char *, int64_t *))
{
	int64_t us = 42;
	int r = parse(tc->in, &us);
	if (!tc->ok) {
		cr_assert_eq(r, -EINVAL, "'%s' should be refused", tc->in);
		cr_assert_eq(us, 42, "'%s': nothing written on error", tc->in);
		return;
	}
	cr_assert_eq(r, 0, "'%s' should parse", tc->in);
	cr_assert_eq(us, tc->us, "'%s': %lld, expected %lld", tc->in, (long long)us,
		     (long long)tc->us);
}

ParameterizedTest(size_t *i, audit_summary, time_parse)
{
	check_time(&time_cases[*i], audit_time_parse);
}

#define NOW INT64_C(1795435200000000) /* 2026-11-23T12:00:00Z */
#define SEC INT64_C(1000000)

static const struct time_case since_cases[] = {
	{ "30m", 1, NOW - 1800 * SEC },
	{ "2h", 1, NOW - 7200 * SEC },
	{ "7d", 1, NOW - 7 * 86400 * SEC },
	{ "90s", 1, NOW - 90 * SEC },
	{ "0m", 1, NOW },
	{ "2026-11-23", 1, INT64_C(1795392000000000) },
	{ "2026-11-23T10:00:00Z", 1, NOW - 7200 * SEC },
	{ "30", 0, 0 },
	{ "m", 0, 0 },
	{ "30x", 0, 0 },
	{ "-5m", 0, 0 },
	{ "1.5h", 0, 0 },
	{ "2h30m", 0, 0 },
	{ "99999999999999999999d", 0, 0 },
	{ "200000000d", 0, 0 },
	{ "2026-11-32", 0, 0 },
	{ "2026-11-2", 0, 0 },
	{ "yesterday", 0, 0 },
};

ParameterizedTestParameters(audit_summary, since_parse)
{
	return case_indices(ARRAY_SIZE(since_cases));
}

static int since_at_noon(const char *s, int64_t *ret_us)
{
	return audit_since_parse(s, NOW, ret_us);
}

ParameterizedTest(size_t *i, audit_summary, since_parse)
{
	check_time(&since_cases[*i], since_at_noon);
}

/* ---- one line as a record -------------------------------------------------------------- */

#define HEAD "\"ts\":\"2026-11-23T14:02:11.123456Z\",\"session\":\"5f0c2a9e7b1d4c38\",\"seq\":2"

struct entry_case {
	const char *line;
	const char *why; /* NULL: a record */
};

static const struct entry_case entry_cases[] = {
	{ "{" HEAD ",\"action\":\"open\"}", NULL },
	{ "{" HEAD ",\"action\":\"open\",\"future_field\":{\"x\":[1,2]}}", NULL },
	{ "[]", "not a JSON object" },
	{ "\"x\"", "not a JSON object" },
	{ "{\"ts\":", "invalid JSON at column 7: unexpected end of input" },
	{ "{" HEAD ",\"action\":\"open\"} x",
	  "invalid JSON at column 91: trailing characters after the value" },
	{ "not json", "invalid JSON at column 1: invalid value" },
	{ "{\"session\":\"s\",\"seq\":1,\"action\":\"open\"}", "missing \"ts\"" },
	{ "{\"ts\":\"2026-11-23T14:02:11Z\",\"seq\":1,\"action\":\"open\"}",
	  "missing \"session\"" },
	{ "{\"ts\":\"2026-11-23T14:02:11Z\",\"session\":\"s\",\"action\":\"open\"}",
	  "missing \"seq\"" },
	{ "{" HEAD "}", "missing \"action\"" },
	{ "{\"ts\":5,\"session\":\"s\",\"seq\":1,\"action\":\"open\"}", "\"ts\" is not a string" },
	{ "{\"ts\":\"yesterday\",\"session\":\"s\",\"seq\":1,\"action\":\"open\"}",
	  "\"ts\" is not an RFC 3339 time" },
	{ "{\"ts\":\"2026-11-23T14:02:11Z\",\"session\":\"s\",\"seq\":\"2\",\"action\":\"open\"}",
	  "\"seq\" is not a non-negative integer" },
	{ "{\"ts\":\"2026-11-23T14:02:11Z\",\"session\":\"s\",\"seq\":-1,\"action\":\"open\"}",
	  "\"seq\" is not a non-negative integer" },
	{ "{\"ts\":\"2026-11-23T14:02:11Z\",\"session\":\"s\",\"seq\":1.5,\"action\":\"open\"}",
	  "\"seq\" is not a non-negative integer" },
	{ "{" HEAD ",\"action\":null}", "\"action\" is not a string" },
	{ "{" HEAD ",\"action\":\"open\",\"pid\":\"12\"}",
	  "\"pid\" is not a non-negative integer" },
	{ "{" HEAD ",\"action\":\"open\",\"suppressed\":1e3}",
	  "\"suppressed\" is not a non-negative integer" },
	{ "{" HEAD ",\"action\":\"open\",\"rule\":\".env\"}", "\"rule\" is not an object" },
	{ "{" HEAD ",\"action\":\"open\",\"rule\":{\"text\":1}}", "\"rule.text\" is not a string" },
	{ "{" HEAD ",\"action\":\"open\",\"rule\":{\"text\":\"a\",\"origin\":[]}}",
	  "\"rule.origin\" is not a string" },
	{ "{" HEAD ",\"action\":\"open\",\"argv\":[\"a\",1]}",
	  "\"argv\" is not an array of strings" },
	{ "{" HEAD ",\"action\":\"open\",\"argv\":\"a\"}", "\"argv\" is not an array of strings" },
	{ "{" HEAD ",\"action\":\"session_start\",\"command\":{}}",
	  "\"command\" is not an array of strings" },
	{ "{" HEAD ",\"action\":\"open\",\"summary\":1}", "\"summary\" is not true or false" },
	{ "{" HEAD ",\"action\":\"open\",\"truncated\":\"yes\"}",
	  "\"truncated\" is not true or false" },
};

ParameterizedTestParameters(audit_summary, entry_parse)
{
	return case_indices(ARRAY_SIZE(entry_cases));
}

static struct json_parser *parser(void)
{
	struct json_parser *p = NULL;
	cr_assert_eq(json_parser_new(&p), 0);
	return p;
}

ParameterizedTest(size_t *i, audit_summary, entry_parse)
{
	const struct entry_case *tc = &entry_cases[*i];
	_cleanup_(json_parser_freep) struct json_parser *jp = parser();
	struct audit_entry_buf buf;
	struct audit_entry e;
	int r = audit_entry_parse(jp, tc->line, strlen(tc->line), &e, &buf);
	if (!tc->why) {
		cr_assert_eq(r, 0, "%s: %s", tc->line, buf.why);
		return;
	}
	cr_assert_eq(r, -EINVAL, "%s should be refused", tc->line);
	cr_assert_str_eq(buf.why, tc->why, "%s", tc->line);
}

Test(audit_summary, entry_fields)
{
	static const char line[] =
		"{\"ts\":\"2026-11-23T14:02:11.123456Z\",\"session\":\"5f0c2a9e7b1d4c38\",\"seq\":"
		"6,"
		"\"action\":\"open\",\"enforcer\":\"supervisor\",\"pid\":12,\"ppid\":11,\"uid\":"
		"1000,"
		"\"exe\":\"/usr/bin/cat\",\"argv\":[\"cat\",\".env\"],\"cwd\":\"/"
		"p\",\"syscall\":\"openat\","
		"\"target\":\"/p/k\\u00ff.env\",\"rule\":{\"text\":\".env\",\"origin\":\"~/.aigate/"
		"config.yaml:3\"},\"verdict\":\"denied\",\"errno\":\"EACCES\",\"suppressed\":4,"
		"\"truncated\":true}";
	static const char start[] =
		"{\"ts\":\"2026-11-23T14:02:10Z\",\"session\":\"s\",\"seq\":1,\"action\":\"session_"
		"start\","
		"\"command\":[\"claude\",\"--print\",\"fix it\",\"\",\"a\\\"b\\\\c\"]}";
	_cleanup_(json_parser_freep) struct json_parser *jp = parser();
	struct audit_entry_buf buf;
	struct audit_entry e;
	cr_assert_eq(audit_entry_parse(jp, line, strlen(line), &e, &buf), 0, "%s", buf.why);
	cr_assert_str_eq(e.session, "5f0c2a9e7b1d4c38");
	cr_assert_eq(e.seq, 6);
	cr_assert_eq(e.ts_us, INT64_C(1795442531123456));
	cr_assert_str_eq(e.action, "open");
	cr_assert_str_eq(e.verdict, "denied");
	cr_assert_str_eq(e.rule, ".env");
	cr_assert_str_eq(e.origin, "~/.aigate/config.yaml:3");
	cr_assert_str_eq(e.exe, "/usr/bin/cat");
	cr_assert_str_eq(e.argv0, "cat");
	cr_assert_str_eq(e.target, "/p/k\xff.env");
	cr_assert_eq(e.pid, 12);
	cr_assert_eq(e.suppressed, 4);
	cr_assert_eq(e.count, 0);
	cr_assert_eq(e.exit_status, -1);
	cr_assert_eq(e.denied, -1);
	cr_assert_not(e.summary);
	cr_assert(e.truncated);
	cr_assert_null(e.stream);
	cr_assert_null(e.command);

	cr_assert_eq(audit_entry_parse(jp, start, strlen(start), &e, &buf), 0, "%s", buf.why);
	cr_assert_str_eq(e.command, "claude --print \"fix it\" \"\" \"a\\\"b\\\\c\"");
	cr_assert_eq(e.pid, -1);
}

Test(audit_summary, long_command_is_cut)
{
	/* 2,000 words of 10 bytes (quoted: a blank): cut to the buffer, ending in "...", never mid-character. */
	size_t cap = 256 + 2000 * 16;
	char *line = malloc(cap), *p = line;
	_cleanup_(json_parser_freep) struct json_parser *jp = parser();
	struct audit_entry_buf buf;
	struct audit_entry e;
	cr_assert_not_null(line);
	p += sprintf(p, "{\"ts\":\"2026-11-23T14:02:10Z\",\"session\":\"s\",\"seq\":1,"
			"\"action\":\"session_start\",\"command\":[");
	for (int i = 0; i < 2000; i++)
		p += sprintf(p, "%s\"w\xc3\xa9 \xc3\xa9\xc3\xa9x\"", i ? "," : "");
	strcpy(p, "]}");
	cr_assert_eq(audit_entry_parse(jp, line, strlen(line), &e, &buf), 0, "%s", buf.why);
	size_t n = strlen(e.command);
	cr_assert_lt(n, sizeof(buf.command));
	cr_assert_str_eq(e.command + n - 3, "...");
	for (size_t i = 0, l; i < n; i += l)
		cr_assert_neq(l = json_utf8_len((const unsigned char *)e.command + i, n - i), 0,
			      "valid UTF-8 up to the end: %s", e.command + i);
	free(line);
}

/* ---- counting -------------------------------------------------------------------------------- */

#define SA "aaaaaaaaaaaaaaa1"
#define SB "bbbbbbbbbbbbbbb2"

static int64_t seq;

/* An event record of session @s at second @t after 2026-11-23T12:00:00Z. */
static struct audit_entry ev(const char *s, int t, const char *action, const char *verdict,
			     const char *rule, const char *origin, const char *exe, int64_t pid)
{
	static char ts[64][32];
	static int next;
	char *b = ts[next++ % 64];
	snprintf(b, 32, "2026-11-23T12:%02d:%02d.000000Z", t / 60, t % 60);
	return (struct audit_entry){ .ts = b,
				     .ts_us = NOW + t * SEC,
				     .session = s,
				     .seq = ++seq,
				     .action = action,
				     .verdict = verdict,
				     .rule = rule,
				     .origin = origin,
				     .exe = exe,
				     .pid = pid,
				     .exit_status = -1,
				     .denied = -1 };
}

static struct audit_entry start(const char *s, int t, const char *command)
{
	struct audit_entry e = ev(s, t, "session_start", NULL, NULL, NULL, NULL, 4242);
	e.command = command;
	return e;
}

static struct audit_entry end(const char *s, int t, int64_t exit_status, int64_t denied)
{
	struct audit_entry e = ev(s, t, "session_end", NULL, NULL, NULL, NULL, -1);
	e.exit_status = exit_status;
	e.denied = denied;
	return e;
}

static struct audit_entry mask(const char *s, int t, const char *name, const char *stream,
			       int64_t count)
{
	struct audit_entry e = ev(s, t, "mask", "masked", NULL, NULL, NULL, -1);
	e.target = name;
	e.stream = stream;
	e.count = count;
	return e;
}

static char *render(struct audit_entry *es, size_t n, enum audit_format fmt)
{
	_cleanup_(audit_summary_freep) struct audit_summary *s = NULL;
	char *buf = NULL;
	size_t len = 0;
	cr_assert_eq(audit_summary_new(&s), 0);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(audit_summary_add(s, &es[i]), 0);
	FILE *f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
	cr_assert_eq(audit_summary_print(s, fmt, f), 0);
	fclose(f);
	return buf;
}

/* The records most tests count: two sessions, B's start before A's in the input. */
static size_t sample(struct audit_entry *es)
{
	size_t n = 0;
	struct audit_entry e;
	es[n++] = start(SB, 100, "codex exec");
	es[n++] = start(SA, 10, "claude --print hi");
	es[n++] = ev(SA, 11, "open", "denied", ".env", "c:3", "/usr/bin/cat", 12);
	e = ev(SA, 12, "open", "denied", ".env", "c:3", "/usr/bin/cat", 12);
	e.suppressed = 4;
	es[n++] = e;
	/* A summary record: its drops count, it is no event; its command comes from pid 12. */
	e = ev(SA, 13, "open", "denied", ".env", "c:3", NULL, 12);
	e.summary = true;
	e.suppressed = 3;
	es[n++] = e;
	e = ev(SA, 14, "exec", "denied", "curl", "c:9", NULL, 11);
	e.argv0 = "bash";
	es[n++] = e;
	es[n++] = ev(SA, 15, "exec", "allowed", NULL, NULL, "/usr/bin/bash", 13);
	es[n++] = ev(SA, 16, "exec", "killed", "kubectl delete", "c:10", "/k/kubectl", 7);
	es[n++] = ev(SB, 101, "syscall", "denied", "deny mount", "built-in", "/usr/bin/unshare", 8);
	es[n++] = ev(SB, 102, "open", "denied", ".env", "c:3", "/usr/bin/cat", 12);
	es[n++] = ev(SB, 103, "open", "denied", NULL, NULL, NULL, -1);
	es[n++] = mask(SA, 17, "openai", "stdout", 2);
	es[n++] = mask(SB, 104, "openai", "stdout", 1);
	es[n++] = mask(SB, 105, "github", "stderr", 1);
	es[n++] = end(SA, 20, 0, 11);
	return n;
}

static const struct json_value *parse_json(struct json_parser *jp, const char *text)
{
	const struct json_value *v = NULL;
	struct json_error err = { 0 };
	int r = json_parse(jp, text, strlen(text), &v, &err);
	cr_assert_eq(r, 0, "json output invalid at %zu (%s):\n%s", err.offset, err.msg, text);
	return v;
}

static int64_t jint(const struct json_value *o, const char *k)
{
	const struct json_value *v = json_get(o, k);
	cr_assert_not_null(v, "no \"%s\"", k);
	if (v->type == JSON_NULL)
		return -1;
	cr_assert(v->type == JSON_NUMBER && v->is_int, "\"%s\" is no integer", k);
	return v->i;
}

static const char *jstr(const struct json_value *o, const char *k)
{
	const struct json_value *v = json_get(o, k);
	cr_assert_not_null(v, "no \"%s\"", k);
	if (v->type == JSON_NULL)
		return NULL;
	cr_assert_eq(v->type, JSON_STRING, "\"%s\" is no string", k);
	return v->str;
}

Test(audit_summary, counts_and_order)
{
	struct audit_entry es[32];
	size_t n = sample(es);
	_cleanup_free_ char *out = render(es, n, AUDIT_FORMAT_JSON);
	_cleanup_(json_parser_freep) struct json_parser *jp = parser();
	const struct json_value *j = parse_json(jp, out), *t = json_get(j, "totals"), *a;

	cr_assert_eq(jint(t, "sessions"), 2);
	cr_assert_eq(jint(t, "records"), (int64_t)n);
	/* 1 + (1+4) + 3 + 1 + 1 killed + 1 + 1 + 1 = 14 */
	cr_assert_eq(jint(t, "denials"), 14);
	cr_assert_eq(jint(t, "killed"), 1);
	cr_assert_eq(jint(t, "suppressed"), 7);
	cr_assert_eq(jint(t, "masked"), 4);
	cr_assert_eq(jint(t, "allowed_execs"), 1);
	cr_assert_eq(jint(t, "truncated"), 0);
	cr_assert_eq(jint(t, "invalid_lines"), 0);

	/* Sessions by start, whatever the input order. */
	a = json_get(j, "sessions");
	cr_assert_eq(a->n, 2);
	cr_assert_str_eq(jstr(&a->items[0], "id"), SA);
	cr_assert_str_eq(jstr(&a->items[0], "command"), "claude --print hi");
	cr_assert_str_eq(jstr(&a->items[0], "start"), "2026-11-23T12:00:10.000000Z");
	cr_assert_eq(jint(&a->items[0], "exit_status"), 0);
	cr_assert_eq(jint(&a->items[0], "denied"), 11);
	cr_assert_eq(jint(&a->items[0], "recorded_denials"), 11);
	cr_assert_str_eq(jstr(&a->items[1], "id"), SB);
	cr_assert_eq(jint(&a->items[1], "exit_status"), -1, "no session_end: null");
	cr_assert_eq(jint(&a->items[1], "denied"), -1);
	cr_assert_eq(jint(&a->items[1], "recorded_denials"), 3);

	/* Rules: count descending, ties by text (the rule-less denial, null, first). */
	static const struct {
		const char *rule, *origin;
		int64_t count;
	} rules[] = { { ".env", "c:3", 10 },
		      { NULL, NULL, 1 },
		      { "curl", "c:9", 1 },
		      { "deny mount", "built-in", 1 },
		      { "kubectl delete", "c:10", 1 } };
	a = json_get(j, "rules");
	cr_assert_eq(a->n, ARRAY_SIZE(rules));
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		const char *r = jstr(&a->items[i], "rule"), *o = jstr(&a->items[i], "origin");
		cr_assert(util_streq(r, rules[i].rule) || (!r && !rules[i].rule), "rule %zu: %s", i,
			  r);
		cr_assert(util_streq(o, rules[i].origin) || (!o && !rules[i].origin), "origin %zu",
			  i);
		cr_assert_eq(jint(&a->items[i], "count"), rules[i].count, "rule %zu", i);
	}

	/* Commands: exe's basename, else argv[0]'s, else the pid's earlier command, else "?". */
	static const struct {
		const char *command;
		int64_t count;
	} cmds[] = { { "cat", 10 }, { "?", 1 }, { "bash", 1 }, { "kubectl", 1 }, { "unshare", 1 } };
	a = json_get(j, "commands");
	cr_assert_eq(a->n, ARRAY_SIZE(cmds));
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		cr_assert_str_eq(jstr(&a->items[i], "command"), cmds[i].command, "command %zu", i);
		cr_assert_eq(jint(&a->items[i], "count"), cmds[i].count, "command %zu", i);
	}

	/* Offenders: per (session, pid, command); pid 12 of each session apart. */
	a = json_get(j, "offenders");
	cr_assert_eq(a->n, 6);
	cr_assert_str_eq(jstr(&a->items[0], "command"), "cat");
	cr_assert_eq(jint(&a->items[0], "pid"), 12);
	cr_assert_str_eq(jstr(&a->items[0], "session"), SA);
	cr_assert_eq(jint(&a->items[0], "count"), 9);
	cr_assert_str_eq(jstr(&a->items[1], "command"), "?");
	cr_assert_eq(jint(&a->items[1], "pid"), -1, "unknown pid: null");
	cr_assert_str_eq(jstr(&a->items[2], "command"), "bash");
	cr_assert_str_eq(jstr(&a->items[3], "command"), "cat");
	cr_assert_str_eq(jstr(&a->items[3], "session"), SB);

	/* Masks: per (name, stream), counts summed. */
	a = json_get(j, "masks");
	cr_assert_eq(a->n, 2);
	cr_assert_str_eq(jstr(&a->items[0], "name"), "openai");
	cr_assert_str_eq(jstr(&a->items[0], "stream"), "stdout");
	cr_assert_eq(jint(&a->items[0], "count"), 3);
	cr_assert_str_eq(jstr(&a->items[1], "name"), "github");
}

Test(audit_summary, empty)
{
	_cleanup_free_ char *table = render(NULL, 0, AUDIT_FORMAT_TABLE);
	_cleanup_free_ char *md = render(NULL, 0, AUDIT_FORMAT_MARKDOWN);
	_cleanup_free_ char *json = render(NULL, 0, AUDIT_FORMAT_JSON);
	_cleanup_(json_parser_freep) struct json_parser *jp = parser();
	const struct json_value *j = parse_json(jp, json);
	cr_assert(strncmp(table, "aigate audit: 0 sessions, 0 denials\n\nSessions\n  (none)\n",
			  53) == 0,
		  "%s", table);
	cr_assert(strstr(md, "## aigate audit\n\n**0 sessions, 0 denials**\n"), "%s", md);
	cr_assert(strstr(md, "### Masked secrets\n\n_none_\n"), "%s", md);
	cr_assert_eq(json_get(j, "sessions")->n, 0);
	cr_assert_eq(json_get(j, "masks")->type, JSON_ARRAY);
}

Test(audit_summary, top_offenders_are_ten)
{
	struct audit_entry es[40];
	size_t n = 0;
	char exe[40][16];
	/* Process i is denied 40 - i times … once per record here, with suppressed for the rest. */
	for (int i = 0; i < 40; i++) {
		snprintf(exe[i], sizeof(exe[i]), "/bin/p%02d", i);
		es[n] = ev(SA, i, "open", "denied", ".env", "c:3", exe[i], 100 + i);
		es[n++].suppressed = i % 20; /* two of each count: ties by command */
	}
	_cleanup_free_ char *out = render(es, n, AUDIT_FORMAT_JSON);
	_cleanup_(json_parser_freep) struct json_parser *jp = parser();
	const struct json_value *a = json_get(parse_json(jp, out), "offenders");
	cr_assert_eq(a->n, 10);
	for (size_t i = 0; i < 10; i++) {
		char want[8];
		/* counts 20, 20, 19, 19, …: p19 before p39, p18 before p38, … */
		snprintf(want, sizeof(want), "p%02zu", i % 2 ? 39 - i / 2 : 19 - i / 2);
		cr_assert_str_eq(jstr(&a->items[i], "command"), want, "offender %zu", i);
		cr_assert_eq(jint(&a->items[i], "count"), 20 - (int64_t)i / 2);
	}
	_cleanup_free_ char *table = render(es, n, AUDIT_FORMAT_TABLE);
	cr_assert(strstr(table, "p14"), "rank 10 shown");
	cr_assert_null(strstr(strstr(table, "Top offenders"), "p33 "), "rank 13 not shown");
}

Test(audit_summary, input_order_does_not_matter)
{
	/* The same records reversed (no summary record: its command depends on order). */
	struct audit_entry es[32], rev[32];
	size_t n = sample(es), m = 0;
	for (size_t i = n; i-- > 0;)
		if (!es[i].summary)
			rev[m++] = es[i];
	for (size_t i = 0, k = 0; i < n; i++)
		if (!es[i].summary)
			es[k++] = es[i];
	for (int fmt = AUDIT_FORMAT_TABLE; fmt <= AUDIT_FORMAT_MARKDOWN; fmt++) {
		_cleanup_free_ char *a = render(es, m, (enum audit_format)fmt);
		_cleanup_free_ char *b = render(rev, m, (enum audit_format)fmt);
		cr_assert_str_eq(a, b, "format %d", fmt);
	}
}

Test(audit_summary, session_without_start)
{
	/* Ordered by its first record; no start, command or end: "-" and null. */
	struct audit_entry es[] = {
		ev(SB, 50, "open", "denied", ".env", "c:3", "/usr/bin/cat", 1),
		start(SA, 60, "claude"),
		ev(SB, 40, "open", "denied", ".env", "c:3", "/usr/bin/cat", 1),
	};
	_cleanup_free_ char *out = render(es, ARRAY_SIZE(es), AUDIT_FORMAT_TABLE);
	const char *b = strstr(out, SB), *a = strstr(out, SA);
	cr_assert(a && b && b < a, "%s", out);
	cr_assert(strstr(out, "  " SB "  -                               -       -  -\n"), "%s",
		  out);
}

/* ---- escaping ----------------------------------------------------------------------------- */

Test(audit_summary, markdown_escapes_cells)
{
	struct audit_entry es[] = {
		ev(SA, 1, "open", "denied", "a|b`c*d_e", "~/x [1] <y> & \\z", "/bin/e\x1b[31mvil",
		   5),
	};
	_cleanup_free_ char *md = render(es, 1, AUDIT_FORMAT_MARKDOWN);
	cr_assert(strstr(md, "| 1 | a\\|b\\`c\\*d\\_e | \\~/x \\[1\\] \\<y\\> \\& \\\\z |\n"), "%s",
		  md);
	cr_assert(strstr(md, "| 1 | e\\\\x1b\\[31mvil |\n"), "%s", md);
	cr_assert_null(strchr(md, '\x1b'), "no raw escape byte");
}

static char *mask_cell(void *ctx, const char *cell)
{
	return mask_string(ctx, cell);
}

/*
 * A cell filter (the --ci summary's masks) sees each cell before the
 * markdown escaping: masking the rendered text instead met "Zq7X\_bT2…",
 * which no mask recognises, and let the secrets through.
 */
Test(audit_summary, cell_filter_runs_before_escaping)
{
	static const char key[] = "sk-ant-api03-Zq7X_bT2mLr9VwK4pNc8YhD3sFg6J";
	static const char value[] = "db_pass_correct_horse";
	const char *const lits[] = { key, value };
	struct mask_set *set = NULL;
	char err[128] = "";
	cr_assert_eq(mask_set_build(NULL, lits, 2, &set, err, sizeof(err)), 0, "%s", err);
	struct audit_entry es[] = {
		start(SA, 1, "claude sk-ant-api03-Zq7X_bT2mLr9VwK4pNc8YhD3sFg6J"),
		ev(SA, 2, "open", "denied", ".env", "c:3", "/p/bin/db_pass_correct_horse", 5),
	};
	audit_summary_set_cell_filter(mask_cell, set);
	_cleanup_free_ char *md = render(es, 2, AUDIT_FORMAT_MARKDOWN);
	_cleanup_free_ char *table = render(es, 2, AUDIT_FORMAT_TABLE);
	audit_summary_set_cell_filter(NULL, NULL);
	_cleanup_free_ char *raw = render(es, 2, AUDIT_FORMAT_MARKDOWN);
	cr_assert_null(strstr(md, "Zq7X"), "%s", md);
	cr_assert_null(strstr(md, "correct"), "%s", md);
	cr_assert(strstr(md, "| claude \\*\\*\\* |"), "%s", md);
	cr_assert(strstr(md, "| 1 | \\*\\*\\* |"), "%s", md);
	cr_assert_null(strstr(table, "Zq7X"), "%s", table);
	cr_assert(strstr(table, "claude ***\n"), "%s", table);
	/* Cleared: cells are as recorded again (escaped). */
	cr_assert(strstr(raw, "Zq7X\\_bT2"), "%s", raw);
	mask_set_free(set);
}

Test(audit_summary, table_escapes_and_aligns)
{
	struct audit_entry es[] = {
		ev(SA, 1, "open", "denied", "r\x1b]0;x\x07", "o\xff", "/bin/caf\xc3\xa9", 5),
		ev(SA, 2, "open", "denied", "r\xc2\x9b", "o", "/bin/ab", 6),
	};
	_cleanup_free_ char *out = render(es, 2, AUDIT_FORMAT_TABLE);
	cr_assert_null(strchr(out, '\x1b'), "%s", out);
	cr_assert_null(strchr(out, '\x07'), "%s", out);
	cr_assert(strstr(out, "      1  r\\x1b]0;x\\x07  o\\xff\n"), "%s", out);
	/* A C1 control (U+009B, a one-byte CSI to some terminals) is escaped too. */
	cr_assert(strstr(out, "      1  r\\xc2\\x9b      o\n"), "%s", out);
	/* é is one column: "café" and "ab" line up. */
	cr_assert(strstr(out, "      1    6  ab       " SA "\n      1    5  café     " SA "\n"),
		  "%s", out);
}

Test(audit_summary, json_escapes_and_round_trips)
{
	struct audit_entry es[] = {
		ev(SA, 1, "open", "denied", "q\"b\\s\n\x01", "k\xff.pem", "/bin/caf\xc3\xa9", 5),
	};
	_cleanup_free_ char *out = render(es, 1, AUDIT_FORMAT_JSON);
	_cleanup_(json_parser_freep) struct json_parser *jp = parser();
	cr_assert(strstr(out, "\"rule\": \"q\\\"b\\\\s\\u000a\\u0001\""), "%s", out);
	cr_assert(strstr(out, "\"origin\": \"k\\u00ff.pem\""), "%s", out);
	cr_assert(strstr(out, "\"command\": \"café\""), "%s", out);
	const struct json_value *r = json_get(parse_json(jp, out), "rules");
	cr_assert_str_eq(jstr(&r->items[0], "origin"), "k\xff.pem", "the byte comes back");
}

/* ---- --follow lines ------------------------------------------------------------------------ */

struct line_case {
	struct audit_entry e;
	const char *line;
};

static char *line_of(const struct audit_entry *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
	audit_entry_print_line(e, f);
	fclose(f);
	return buf;
}

Test(audit_summary, follow_lines)
{
	struct audit_entry e;
	struct line_case cases[8];
	size_t n = 0;

	e = ev(SA, 131, "open", "denied", ".env", "~/.aigate/config.yaml:3", "/usr/bin/cat", 123);
	e.target = "/home/u/proj/.env";
	cases[n++] = (struct line_case){ e, "12:02:11 denied open /home/u/proj/.env  \".env\" "
					    "(~/.aigate/config.yaml:3)  cat[123]\n" };
	e.suppressed = 4;
	e.target = "/p/k\xff\x1b";
	cases[n++] =
		(struct line_case){ e, "12:02:11 denied open /p/k\\xff\\x1b  \".env\" "
				       "(~/.aigate/config.yaml:3)  cat[123]  (+4 suppressed)\n" };
	e.summary = true;
	e.suppressed = 3;
	e.exe = NULL;
	cases[n++] = (struct line_case){ e, "12:02:11 suppressed 3 open  \".env\" "
					    "(~/.aigate/config.yaml:3)  ?[123]\n" };
	cases[n++] = (struct line_case){ start(SA, 0, "claude --print hi"),
					 "12:00:00 session " SA " started: claude --print hi\n" };
	cases[n++] = (struct line_case){ end(SA, 59, 3, 11),
					 "12:00:59 session " SA " ended: exit 3, 11 denied\n" };
	cases[n++] = (struct line_case){ mask(SA, 1, "openai", "stdout", 2),
					 "12:00:01 masked 2 openai on stdout\n" };
	e = ev(SA, 2, "exec", "allowed", NULL, NULL, "/usr/bin/bash", 45);
	e.target = "/usr/bin/git";
	e.truncated = true;
	cases[n++] =
		(struct line_case){ e,
				    "12:00:02 allowed exec /usr/bin/git  bash[45]  (truncated)\n" };
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *got = line_of(&cases[i].e);
		cr_assert_str_eq(got, cases[i].line, "case %zu", i);
	}
}

Test(audit_summary, hundred_thousand_records, .timeout = 60)
{
	/* Linear, not quadratic: 100,000 lines parsed, counted and printed well within the limit. */
	_cleanup_(json_parser_freep) struct json_parser *jp = parser();
	_cleanup_(audit_summary_freep) struct audit_summary *s = NULL;
	struct audit_entry_buf buf;
	struct audit_entry e;
	char line[512];
	struct timespec t0, t1;
	cr_assert_eq(audit_summary_new(&s), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 100000; i++) {
		int len = snprintf(
			line, sizeof(line),
			"{\"ts\":\"2026-11-23T14:%02d:%02d.%06dZ\",\"session\":\"%016x\","
			"\"seq\":%d,\"action\":\"open\",\"enforcer\":\"supervisor\",\"pid\":%d,"
			"\"exe\":\"/usr/bin/cmd%d\",\"argv\":[\"cmd\",\"x\"],\"target\":"
			"\"/p/f%d\",\"rule\":{\"text\":\"r%d\",\"origin\":\"c:%d\"},"
			"\"verdict\":\"denied\",\"errno\":\"EACCES\"}",
			(i / 60) % 60, i % 60, i, i % 50, i + 1, i % 5000, i % 100, i, i % 300,
			i % 300);
		cr_assert_eq(audit_entry_parse(jp, line, (size_t)len, &e, &buf), 0, "%s", buf.why);
		cr_assert_eq(audit_summary_add(s, &e), 0);
	}
	FILE *f = fopen("/dev/null", "w");
	cr_assert_not_null(f);
	for (int fmt = AUDIT_FORMAT_TABLE; fmt <= AUDIT_FORMAT_MARKDOWN; fmt++)
		cr_assert_eq(audit_summary_print(s, (enum audit_format)fmt, f), 0);
	fclose(f);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* About 0.1 s optimised; the bound leaves room for ASan and a busy machine. */
	cr_assert_lt(secs, 10.0, "%.2f s", secs);
}
