/* SPDX-License-Identifier: MIT */
/*
 * test_mask_stream.c — the mask_stdout redaction engine: every preset on a
 * realistic secret, priority, custom patterns, literal values, and the
 * streaming contract: any split of the output into writes gives the
 * one-shot result and never lets a secret out in a chunk, text without a
 * candidate is not held, escape and UTF-8 sequences are not cut at a hold,
 * binary passes byte for byte, the hold is bounded, counts are kept.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher/mask_stream.h"
#include "policy/mask.h"

#define ALL_PRESETS                                                                     \
	"mask_stdout:\n  presets: [anthropic, openai, aws_key, github, bearer, slack, " \
	"private_key, jwt, google_api_key, stripe]\n"

/* ---- helpers ---- */

struct out {
	uint8_t *buf;
	size_t len, cap;
	size_t chunks;
	const char *forbidden; /* no emitted chunk may contain it */
	size_t forbidden_len;
	bool leaked, empty_chunk;
};

static int collect(void *ctx, const uint8_t *data, size_t len)
{
	struct out *o = ctx;
	if (len == 0)
		o->empty_chunk = true;
	if (o->forbidden && memmem(data, len, o->forbidden, o->forbidden_len))
		o->leaked = true;
	if (o->len + len > o->cap) {
		o->cap = (o->len + len) * 2 + 64;
		o->buf = realloc(o->buf, o->cap);
		cr_assert_not_null(o->buf);
	}
	memcpy(o->buf + o->len, data, len);
	o->len += len;
	o->chunks++;
	return 0;
}

static void out_reset(struct out *o)
{
	o->len = o->chunks = 0;
	o->leaked = o->empty_chunk = false;
}

static struct mask_set *build(const char *yaml, const char *const *lits, size_t nlit)
{
	struct policy_diag d;
	struct policy *p = policy_new();
	struct policy_blob b;
	struct mask_set *set = NULL;
	char err[256] = "";
	void *data;
	size_t size;
	cr_assert_eq(policy_load_buffer(p, yaml, strlen(yaml), "g.yaml", &d), 0, "%s", d.msg);
	cr_assert_eq(policy_compile(p, "/home/u", "/home/u/proj", &data, &size), 0);
	policy_free(p);
	cr_assert_eq(policy_blob_open(data, size, &b), 0);
	cr_assert_eq(mask_set_build(&b, lits, nlit, &set, err, sizeof(err)), 0, "%s", err);
	/* The set must not depend on the blob's memory. */
	memset(data, 0, size);
	free(data);
	return set;
}

/* Feed @in split at the @ncuts offsets @cuts (ascending), then flush, into @o. */
static void run_cuts(const struct mask_set *set, const void *in, size_t len, const size_t *cuts,
		     size_t ncuts, struct out *o)
{
	struct mask_stream *s = mask_stream_new(set);
	size_t at = 0;
	cr_assert_not_null(s);
	for (size_t i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : len;
		cr_assert_eq(mask_stream_feed(s, (const uint8_t *)in + at, to - at, collect, o), 0);
		cr_assert_leq(mask_stream_held(s), MASK_HOLD_MAX);
		at = to;
	}
	cr_assert_eq(mask_stream_flush(s, collect, o), 0);
	cr_assert_eq(mask_stream_held(s), 0);
	mask_stream_free(s);
}

static void one_shot(const struct mask_set *set, const char *in, struct out *o)
{
	run_cuts(set, in, strlen(in), NULL, 0, o);
}

static void expect_out(const struct out *o, const char *want, const char *what)
{
	cr_expect_eq(o->len, strlen(want), "%s: %zu bytes, want %zu: '%.*s'", what, o->len,
		     strlen(want), (int)o->len, (const char *)o->buf);
	cr_expect(o->len == strlen(want) && memcmp(o->buf, want, o->len) == 0,
		  "%s:\n got '%.*s'\nwant '%s'", what, (int)o->len, (const char *)o->buf, want);
	cr_expect_not(o->empty_chunk, "%s: a zero-length chunk was emitted", what);
}

static size_t pattern_index(const struct mask_set *set, const char *name)
{
	size_t n;
	const struct mask_pattern_info *pi = mask_set_patterns(set, &n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(pi[i].name, name) == 0)
			return i;
	cr_assert_fail("no pattern named %s", name);
	return n;
}

/* Occurrences masked by the patterns named @name (github has two regexes). */
static uint64_t count_named(const struct mask_set *set, const struct mask_stream *s,
			    const char *name)
{
	size_t n;
	uint64_t total = 0;
	const struct mask_pattern_info *pi = mask_set_patterns(set, &n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(pi[i].name, name) == 0)
			total += mask_stream_count(s, i);
	return total;
}

/* ---- every preset ---- */

struct secret_case {
	const char *preset;
	const char *secret;
	const char *masked;
};

static const char pem[] =
	"-----BEGIN OPENSSH PRIVATE KEY-----\n"
	"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
	"QyNTUxOQAAACDxnI8K5w1hFk3mHqQ2lL0cMCh9Yw3m8iYc0eG3s4c0YwAAAJgq6Ke+KuinvgAA\n"
	"AAtzc2gtZWQyNTUxOQAAACDxnI8K5w1hFk3mHqQ2lL0cMCh9Yw3m8iYc0eG3s4c0YwAAAEB=\n"
	"-----END OPENSSH PRIVATE KEY-----";

static const char pgp[] = "-----BEGIN PGP PRIVATE KEY BLOCK-----\n"
			  "\n"
			  "lQOYBGRk3ZQBCADHq7mK2r9sT5vW8xYzA1bC3dE5fG7hI9jK1lM3nO5pQ7rS9tU\n"
			  "=Zx9K\n"
			  "-----END PGP PRIVATE KEY BLOCK-----";

static const struct secret_case secrets[] = {
	{ "anthropic", "sk-ant-api03-Xq3Lk9vPz2RmT7wYbN4cJ8hF1dS6gA5eK0uI-oBqWxZy_AA",
	  "sk-ant-***" },
	{ "openai", "sk-Tq8vN3xLp2Rz7KmB4wYc9HdF6jS1gA5eQ0uIoPlMnBvC", "sk-***" },
	{ "openai", "sk-proj-4fGh7JkL9mNpQ2rStUvWxYz0aBcDeFgHiJkLmNoPqRsTuVwXyZ_1-2", "sk-***" },
	{ "aws_key", "AKIAIOSFODNN7EXAMPLE", "AKIA***" },
	{ "aws_key", "ASIAY34FZKBOKMUTVV7A", "ASIA***" },
	{ "github", "ghp_1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ", "ghp_***" },
	{ "github", "gho_1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ", "gho_***" },
	{ "github",
	  "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01",
	  "github_pat_***" },
	{ "bearer", "Bearer abcDEF123.456-ghi_jkl~mno+pqr/stu=", "Bearer ***" },
	{ "slack", "xoxb-2345678901-3456789012-AbCdEfGhIjKlMnOpQrStUvWx", "xoxb-***" },
	{ "private_key", pem, "***" },
	{ "jwt",
	  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9l"
	  "IiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
	  "eyJ***" },
	{ "google_api_key", "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI", "AIza***" },
	{ "stripe", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_***" },
	{ "stripe", "rk_test_51H8abcdefghijklmnop", "rk_test_***" },
	/* The scheme of an Authorization header is case-insensitive (RFC 9110). */
	{ "bearer", "bearer abcDEF123.456-ghi_jkl", "bearer ***" },
	{ "bearer", "BEARER abcDEF123.456-ghi_jkl", "BEARER ***" },
	{ "bearer", "authorization: bearer abcDEF123.456-ghi_jkl", "authorization: bearer ***" },
	{ "private_key", pgp, "***" },
	{ "slack", "xapp-1-A0123BCDEFG-4567890123456-abcdef0123456789", "xapp-***" },
	{ "stripe", "whsec_5fA9kLmN2pQrStUvWxYz0123456789ab", "whsec_***" },
};

static char *wrap(const char *before, const char *mid, const char *after)
{
	char *s;
	cr_assert_geq(asprintf(&s, "%s%s%s", before, mid, after), 0);
	return s;
}

Test(mask_stream, every_preset)
{
	struct mask_set *set = build(ALL_PRESETS, NULL, 0);
	struct out o = { 0 };
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		const struct secret_case *c = &secrets[i];
		char *in = wrap("before ", c->secret, " after\n");
		char *want = wrap("before ", c->masked, " after\n");
		struct mask_stream *s = mask_stream_new(set);
		out_reset(&o);
		cr_assert_eq(mask_stream_feed(s, (const uint8_t *)in, strlen(in), collect, &o), 0);
		cr_assert_eq(mask_stream_flush(s, collect, &o), 0);
		expect_out(&o, want, c->secret);
		cr_expect_eq(count_named(set, s, c->preset), 1, "%s", c->preset);
		mask_stream_free(s);
		free(in);
		free(want);
	}
	free(o.buf);
	mask_set_free(set);
}

Test(mask_stream, patterns_in_priority_order)
{
	struct mask_set *set = build(ALL_PRESETS, NULL, 0);
	size_t n, npresets;
	const struct mask_pattern_info *pi = mask_set_patterns(set, &n);
	const struct mask_preset *ps = mask_presets(&npresets);
	cr_assert_eq(n, npresets, "one entry per preset regex");
	for (size_t i = 0; i < n; i++) {
		cr_expect_str_eq(pi[i].name, ps[i].name);
		cr_expect_eq(pi[i].show_prefix, ps[i].show_prefix);
	}
	mask_set_free(set);
}

Test(mask_stream, anthropic_before_openai)
{
	/* The policy lists openai first: the table's order decides, not the policy's. */
	struct mask_set *set = build("mask_stdout:\n  presets: [openai, anthropic]\n", NULL, 0);
	struct out o = { 0 };
	struct mask_stream *s = mask_stream_new(set);
	const char *in = "key=sk-ant-api03-Xq3Lk9vPz2RmT7wYbN4cJ8hF1dS6gA5e and "
			 "sk-Tq8vN3xLp2Rz7KmB4wYc9HdF6jS1gA5eQ0uI\n";
	cr_assert_eq(mask_stream_feed(s, (const uint8_t *)in, strlen(in), collect, &o), 0);
	cr_assert_eq(mask_stream_flush(s, collect, &o), 0);
	expect_out(&o, "key=sk-ant-*** and sk-***\n", "anthropic wins");
	cr_expect_eq(mask_stream_count(s, pattern_index(set, "anthropic")), 1);
	cr_expect_eq(mask_stream_count(s, pattern_index(set, "openai")), 1);
	mask_stream_free(s);
	free(o.buf);
	mask_set_free(set);
}

/* ---- custom patterns ---- */

Test(mask_stream, custom_patterns)
{
	struct mask_set *set = build("mask_stdout:\n  patterns:\n"
				     "    - name: internal token\n"
				     "      regex: \"itk_[0-9a-f]{16}\"\n"
				     "      show_prefix: 4\n"
				     "    - regex: \"password=[a-z0-9]+\"\n"
				     "      case_insensitive: true\n"
				     "      show_prefix: 9\n"
				     "    - regex: \"(?:pin|PIN)-([0-9]{6})\"\n"
				     "      show_prefix: 40\n",
				     NULL, 0);
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "id itk_0123456789abcdef ok\n", "id itk_*** ok\n" },
		{ "ITK_0123456789ABCDEF stays\n", "ITK_0123456789ABCDEF stays\n" },
		{ "PASSWORD=Hunter22 login\n", "PASSWORD=*** login\n" },
		{ "Password=x1 and password=abc\n", "Password=*** and password=***\n" },
		/* show_prefix longer than the match: only "***", the secret is not printed. */
		{ "pin-123456 PIN-654321\n", "*** ***\n" },
	};
	size_t n;
	const struct mask_pattern_info *pi = mask_set_patterns(set, &n);
	cr_assert_eq(n, 3);
	cr_expect_str_eq(pi[0].name, "internal token");
	cr_expect_eq(pi[0].show_prefix, 4);
	cr_expect_str_eq(pi[1].name, "pattern 2");
	cr_expect_str_eq(pi[2].name, "pattern 3");
	struct out o = { 0 };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out_reset(&o);
		one_shot(set, cases[i].in, &o);
		expect_out(&o, cases[i].want, cases[i].in);
	}
	free(o.buf);
	mask_set_free(set);
}

Test(mask_stream, custom_pattern_with_lookbehind)
{
	/* \b needs the byte before: kept as context across writes. */
	struct mask_set *set = build("mask_stdout:\n  patterns:\n"
				     "    - regex: \"\\\\bkey_[a-z0-9]{8,}\"\n"
				     "      show_prefix: 4\n",
				     NULL, 0);
	const char *in = "xkey_abcdefgh1 key_abcdefgh2 (key_zzzzzzzz9)\n";
	const char *want = "xkey_abcdefgh1 key_*** (key_***)\n";
	struct out o = { 0 };
	one_shot(set, in, &o);
	expect_out(&o, want, "one shot");
	for (size_t k = 0; k <= strlen(in); k++) {
		out_reset(&o);
		run_cuts(set, in, strlen(in), &k, 1, &o);
		expect_out(&o, want, "split");
	}
	free(o.buf);
	mask_set_free(set);
}

Test(mask_stream, refuses_what_cannot_be_combined)
{
	static const char *const bad[] = {
		"mask_stdout:\n  patterns:\n    - regex: \"(['\\\"])tok[0-9]+\\\\1\"\n",
		"mask_stdout:\n  patterns:\n    - regex: \"(?<q>x)tok[0-9]+\"\n",
		"mask_stdout:\n  patterns:\n    - regex: \"(a|b(?1))tok\"\n",
		"mask_stdout:\n  patterns:\n    - regex: \"tok(*COMMIT)[0-9]+\"\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct policy_diag d;
		struct policy *p = policy_new();
		struct policy_blob b;
		struct mask_set *set = NULL;
		char err[256] = "";
		void *data;
		size_t size;
		cr_assert_eq(policy_load_buffer(p, bad[i], strlen(bad[i]), "g.yaml", &d), 0, "%s",
			     d.msg);
		cr_assert_eq(policy_compile(p, "/home/u", "/home/u/proj", &data, &size), 0);
		cr_assert_eq(policy_blob_open(data, size, &b), 0);
		cr_expect_eq(mask_set_build(&b, NULL, 0, &set, err, sizeof(err)), -EINVAL, "%s",
			     bad[i]);
		cr_expect_not_null(strstr(err, "pattern 1"), "%s", err);
		cr_expect_null(set);
		policy_free(p);
		free(data);
	}
}

/*
 * Anchors see where a write starts or ends, not a line: "^password=…" was
 * masked only when the line began a write. Refused, naming the pattern and
 * the way out; the suggested (?<=\n) masks the line whatever the split.
 */
Test(mask_stream, refuses_anchors)
{
	static const char *const bad[] = {
		"^password=[a-z0-9]+",	 "password=[a-z0-9]+$",	 "\\Apassword=[a-z0-9]+",
		"password=[a-z0-9]+\\z", "(?m)^password=[a-z]+", "x|^password=[a-z]+",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *yaml;
		cr_assert_geq(
			asprintf(&yaml,
				 "mask_stdout:\n  patterns:\n    - name: pw\n      regex: '%s'\n",
				 bad[i]),
			0);
		struct policy_diag d;
		struct policy *p = policy_new();
		struct policy_blob b;
		struct mask_set *set = NULL;
		char err[512] = "";
		void *data;
		size_t size;
		cr_assert_eq(policy_load_buffer(p, yaml, strlen(yaml), "g.yaml", &d), 0, "%s",
			     d.msg);
		cr_assert_eq(policy_compile(p, "/home/u", "/home/u/proj", &data, &size), 0);
		cr_assert_eq(policy_blob_open(data, size, &b), 0);
		cr_expect_eq(mask_set_build(&b, NULL, 0, &set, err, sizeof(err)), -EINVAL, "%s",
			     bad[i]);
		cr_expect_not_null(strstr(err, "mask pattern 'pw'"), "%s", err);
		cr_expect_not_null(strstr(err, "(?<=\\n)"), "%s", err);
		cr_expect_null(set);
		policy_free(p);
		free(data);
		free(yaml);
	}
	/* Not anchors: escaped, or inside a class. */
	struct mask_set *ok = build("mask_stdout:\n  patterns:\n"
				    "    - regex: \"cost\\\\$[0-9]{6}[$^]\"\n",
				    NULL, 0);
	mask_set_free(ok);
	struct mask_set *set = build("mask_stdout:\n  patterns:\n"
				     "    - regex: \"(?<=\\n)password=[a-z0-9]+\"\n"
				     "      show_prefix: 9\n",
				     NULL, 0);
	const char *in = "x\npassword=abc123\nnot password=zzz9\n";
	const char *want = "x\npassword=***\nnot password=zzz9\n";
	struct out o = { 0 };
	for (size_t k = 0; k <= strlen(in); k++) {
		out_reset(&o);
		run_cuts(set, in, strlen(in), &k, 1, &o);
		expect_out(&o, want, "split");
	}
	free(o.buf);
	mask_set_free(set);
}

Test(mask_stream, nothing_to_mask)
{
	struct policy_diag d;
	struct policy *p = policy_new();
	struct policy_blob b;
	struct mask_set *set = NULL;
	const char *yaml = "deny_read: [.env]\n";
	const char *const shorts[] = { "short", "1234567" };
	char err[128];
	void *data;
	size_t size;
	cr_assert_eq(policy_load_buffer(p, yaml, strlen(yaml), "g.yaml", &d), 0);
	cr_assert_eq(policy_compile(p, "/home/u", "/home/u/proj", &data, &size), 0);
	cr_assert_eq(policy_blob_open(data, size, &b), 0);
	cr_expect_eq(mask_set_build(&b, NULL, 0, &set, err, sizeof(err)), -ENOENT);
	cr_expect_eq(mask_set_build(&b, shorts, 2, &set, err, sizeof(err)), -ENOENT,
		     "values shorter than MASK_LITERAL_MIN are skipped");
	cr_expect_null(set);
	policy_free(p);
	free(data);
}

/* ---- literal values ---- */

Test(mask_stream, literal_values)
{
	const char *const lits[] = {
		"hunter2hunter2", "a.b*c+(d)",	  "\xff\x01zz\xff\x61\x62\x63", "short",
		"hunter2hunter2", "db-pass-0001", "db-pass-0001-extended",
	};
	struct mask_set *set = build("deny_read: [.env]\n", lits, 7);
	static const struct {
		const char *in, *want;
		size_t len, wlen; /* 0: strlen */
	} cases[] = {
		{ "login hunter2hunter2 ok\n", "login *** ok\n", 0, 0 },
		{ "x=a.b*c+(d)!\n", "x=***!\n", 0, 0 },
		/* Regex metacharacters are bytes here: "aXb*c+(d)" is not the value. */
		{ "x=aXb*c+(d) abbbc+(d)\n", "x=aXb*c+(d) abbbc+(d)\n", 0, 0 },
		{ "short and shorter\n", "short and shorter\n", 0, 0 },
		{ "\x00\xff\x01zz\xff\x61\x62\x63\x00", "\x00***\x00", 10, 5 },
		{ "db-pass-0001-extended db-pass-0001 db-pass-0001-ext\n", "*** *** ***-ext\n", 0,
		  0 },
		{ "hunter2hunter\n", "hunter2hunter\n", 0, 0 },
	};
	size_t n;
	const struct mask_pattern_info *pi = mask_set_patterns(set, &n);
	cr_assert_eq(n, 1);
	cr_expect_str_eq(pi[0].name, "denied file value");
	struct out o = { 0 };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		size_t wlen = cases[i].wlen ? cases[i].wlen : strlen(cases[i].want);
		out_reset(&o);
		run_cuts(set, cases[i].in, len, NULL, 0, &o);
		cr_expect(o.len == wlen && memcmp(o.buf, cases[i].want, wlen) == 0,
			  "case %zu: '%.*s'", i, (int)o.len, (const char *)o.buf);
	}
	free(o.buf);
	mask_set_free(set);
}

Test(mask_stream, literal_and_preset_longer_wins)
{
	const char *const lits[] = { "sk-Tq8vN3xLp2Rz7KmB4wYc9HdF6jS1gA5eQ0uI!!x" };
	struct mask_set *set = build("mask_stdout:\n  presets: [openai]\n", lits, 1);
	struct out o = { 0 };
	struct mask_stream *s = mask_stream_new(set);
	const char *in = "a sk-Tq8vN3xLp2Rz7KmB4wYc9HdF6jS1gA5eQ0uI!!x b "
			 "sk-Tq8vN3xLp2Rz7KmB4wYc9HdF6jS1gA5eQ0uI c\n";
	cr_assert_eq(mask_stream_feed(s, (const uint8_t *)in, strlen(in), collect, &o), 0);
	cr_assert_eq(mask_stream_flush(s, collect, &o), 0);
	expect_out(&o, "a *** b sk-*** c\n", "longer match wins");
	cr_expect_eq(mask_stream_count(s, pattern_index(set, "denied file value")), 1);
	cr_expect_eq(mask_stream_count(s, pattern_index(set, "openai")), 1);
	mask_stream_free(s);
	free(o.buf);
	mask_set_free(set);
}

/* ---- streaming ---- */

static const char lit_value[] = "correct-horse-battery";

/* Every split into two writes, and (for the shorter secrets) into three. */
Test(mask_stream, any_split_gives_the_one_shot_result, .timeout = 120)
{
	const char *const lits[] = { lit_value };
	struct mask_set *set = build(ALL_PRESETS, lits, 1);
	struct out o = { 0 };
	size_t ncases = sizeof(secrets) / sizeof(secrets[0]);
	for (size_t i = 0; i <= ncases; i++) {
		const char *secret = i < ncases ? secrets[i].secret : lit_value;
		const char *masked = i < ncases ? secrets[i].masked : "***";
		char *in = wrap("before ", secret, " after\n");
		char *want = wrap("before ", masked, " after\n");
		size_t len = strlen(in);
		o.forbidden = secret;
		o.forbidden_len = strlen(secret);
		for (size_t k = 0; k <= len; k++) {
			out_reset(&o);
			run_cuts(set, in, len, &k, 1, &o);
			expect_out(&o, want, secret);
			cr_assert_not(o.leaked, "%s leaked at split %zu", secret, k);
		}
		if (strlen(secret) <= 64 || i == ncases)
			for (size_t k = 0; k <= len; k++)
				for (size_t m = k; m <= len; m++) {
					size_t cuts[2] = { k, m };
					out_reset(&o);
					run_cuts(set, in, len, cuts, 2, &o);
					cr_assert(o.len == strlen(want) &&
							  memcmp(o.buf, want, o.len) == 0,
						  "%s split at %zu, %zu: '%.*s'", secret, k, m,
						  (int)o.len, (const char *)o.buf);
					cr_assert_not(o.leaked, "%s leaked at %zu, %zu", secret, k,
						      m);
				}
		free(in);
		free(want);
	}
	/* Byte by byte: every write is one byte. */
	for (size_t i = 0; i < ncases; i++) {
		char *in = wrap("x ", secrets[i].secret, "\n");
		char *want = wrap("x ", secrets[i].masked, "\n");
		size_t len = strlen(in);
		size_t *cuts = malloc(len * sizeof(*cuts));
		for (size_t k = 0; k < len; k++)
			cuts[k] = k;
		o.forbidden = secrets[i].secret;
		o.forbidden_len = strlen(secrets[i].secret);
		out_reset(&o);
		run_cuts(set, in, len, cuts, len, &o);
		expect_out(&o, want, "byte by byte");
		cr_expect_not(o.leaked);
		free(cuts);
		free(in);
		free(want);
	}
	free(o.buf);
	mask_set_free(set);
}

Test(mask_stream, plain_text_is_not_held)
{
	struct mask_set *set = build(ALL_PRESETS, NULL, 0);
	struct mask_stream *s = mask_stream_new(set);
	struct out o = { 0 };
	static const char *const lines[] = {
		"gcc -O2 -c src/foo_123.c -o build/foo_123.o\n",
		"ok 42 - test name\n",
		"sk-short\n",
		"Bearer \n",
		"-----BEGIN CERTIFICATE-----\n",
		"\rprogress 10%\rprogress 20%",
		"task sk_notreally; gh_x; AKIA; xox; eyJ;\n",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		out_reset(&o);
		cr_assert_eq(mask_stream_feed(s, (const uint8_t *)lines[i], strlen(lines[i]),
					      collect, &o),
			     0);
		cr_expect_eq(mask_stream_held(s), 0, "held after '%s'", lines[i]);
		expect_out(&o, lines[i], "emitted at once");
	}
	/* A write ending where a secret could begin holds just that. */
	out_reset(&o);
	cr_assert_eq(mask_stream_feed(s, (const uint8_t *)"export K=sk-an", 14, collect, &o), 0);
	cr_expect_eq(mask_stream_held(s), 5);
	expect_out(&o, "export K=", "up to the candidate");
	cr_assert_eq(mask_stream_feed(s, (const uint8_t *)"d\n", 2, collect, &o), 0);
	cr_expect_eq(mask_stream_held(s), 0);
	expect_out(&o, "export K=sk-and\n", "released");
	mask_stream_free(s);
	free(o.buf);
	mask_set_free(set);
}

Test(mask_stream, flush_masks_a_complete_held_secret)
{
	struct mask_set *set = build(ALL_PRESETS, NULL, 0);
	struct mask_stream *s = mask_stream_new(set);
	struct out o = { 0 };
	const char *in = "token: sk-ant-api03-Xq3Lk9vPz2RmT7wYbN4cJ8hF1dS6gA5e";
	cr_assert_eq(mask_stream_feed(s, (const uint8_t *)in, strlen(in), collect, &o), 0);
	expect_out(&o, "token: ", "the token could go on");
	cr_expect_eq(mask_stream_held(s), strlen(in) - 7);
	cr_assert_eq(mask_stream_flush(s, collect, &o), 0);
	expect_out(&o, "token: sk-ant-***", "flushed");
	cr_expect_eq(mask_stream_count(s, 0), 1);
	/* A partial secret is released as it is (the caller's delay ran out). */
	out_reset(&o);
	cr_assert_eq(mask_stream_feed(s, (const uint8_t *)"go sk-ant-api", 13, collect, &o), 0);
	cr_assert_eq(mask_stream_flush(s, collect, &o), 0);
	expect_out(&o, "go sk-ant-api", "released");
	mask_stream_free(s);
	free(o.buf);
	mask_set_free(set);
}

Test(mask_stream, ansi_and_utf8_around_secrets)
{
	struct mask_set *set = build(ALL_PRESETS, NULL, 0);
	struct out o = { 0 };
	const char *in =
		"\x1b[1;31merror:\x1b[0m clé=ghp_1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ\x1b[0m "
		"→ ünïcödé 日本\x1b]0;title\x07 done\n";
	const char *want =
		"\x1b[1;31merror:\x1b[0m clé=ghp_***\x1b[0m → ünïcödé 日本\x1b]0;title\x07 "
		"done\n";
	size_t len = strlen(in);
	o.forbidden = "ghp_1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ";
	o.forbidden_len = strlen(o.forbidden);
	for (size_t k = 0; k <= len; k++) {
		out_reset(&o);
		run_cuts(set, in, len, &k, 1, &o);
		expect_out(&o, want, "split");
		cr_expect_not(o.leaked);
	}
	free(o.buf);
	mask_set_free(set);
}

Test(mask_stream, hold_never_cuts_an_escape_or_a_character)
{
	/* A literal starting with a UTF-8 continuation byte: a secret could start mid-character. */
	const char *const lits[] = { "\xa9secretvalue" };
	struct mask_set *set = build(ALL_PRESETS, lits, 1);
	struct mask_stream *s = mask_stream_new(set);
	struct out o = { 0 };
	static const struct {
		const char *in, *out;
		size_t held;
	} cases[] = {
		/* Cursor up ends in 'A', which could start AKIA…: hold from the ESC. */
		{ "line\x1b[2A", "line", 4 },
		{ "x\x1b[1;2B", "x", 6 },		 /* 'B' could start "Bearer" */
		{ "\x1b]0;make: s", "", 11 },		 /* an OSC title not yet ended */
		{ "done \x1b[0msk", "done \x1b[0m", 2 }, /* the sequence ended: not held */
		{ "caf\xc3\xa9", "caf", 2 },		 /* é is C3 A9; A9 could start the value */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out_reset(&o);
		const char *in = cases[i].in;
		size_t len = strlen(in);
		cr_assert_eq(mask_stream_feed(s, (const uint8_t *)in, len, collect, &o), 0);
		expect_out(&o, cases[i].out, in);
		cr_expect_eq(mask_stream_held(s), cases[i].held, "case %zu held %zu", i,
			     mask_stream_held(s));
		out_reset(&o);
		cr_assert_eq(mask_stream_feed(s, (const uint8_t *)"\n", 1, collect, &o), 0);
		cr_expect_eq(mask_stream_held(s), 0);
		cr_expect_eq(o.chunks, 1, "the held bytes go out in one piece with the newline");
	}
	mask_stream_free(s);
	free(o.buf);
	mask_set_free(set);
}

Test(mask_stream, binary_passes_byte_for_byte)
{
	struct mask_set *set = build(ALL_PRESETS, NULL, 0);
	uint8_t all[512];
	struct out o = { 0 };
	for (size_t i = 0; i < sizeof(all); i++)
		all[i] = (uint8_t)(i < 256 ? i : 511 - i);
	for (size_t k = 0; k <= sizeof(all); k += 7) {
		out_reset(&o);
		run_cuts(set, all, sizeof(all), &k, 1, &o);
		cr_assert_eq(o.len, sizeof(all));
		cr_assert(memcmp(o.buf, all, sizeof(all)) == 0, "split at %zu", k);
	}
	free(o.buf);
	mask_set_free(set);
}

/* xorshift: reproducible "random" output. */
static uint64_t rnd(uint64_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 7;
	*st ^= *st << 17;
	return *st;
}

Test(mask_stream, megabyte_of_random_bytes_with_a_secret)
{
	const char *const lits[] = { lit_value };
	struct mask_set *set = build(ALL_PRESETS, lits, 1);
	const char *secret = "\nAuthorization: Bearer abcDEF123.456-ghi_jkl~mno+pqr/stu=\n";
	const char *masked = "\nAuthorization: Bearer ***\n";
	size_t len = 1 << 20, mid = len / 2, slen = strlen(secret), mlen = strlen(masked);
	uint8_t *in = malloc(len), *want = malloc(len);
	uint64_t st = 0x9e3779b97f4a7c15u;
	struct out o = { 0 };
	for (size_t i = 0; i < len; i++)
		in[i] = (uint8_t)rnd(&st);
	memcpy(in + mid, secret, slen);
	memcpy(want, in, mid);
	memcpy(want + mid, masked, mlen);
	memcpy(want + mid + mlen, in + mid + slen, len - mid - slen);
	size_t wlen = len - slen + mlen;

	/* One write, then writes of random sizes (up to 100 KB). */
	for (int round = 0; round < 4; round++) {
		size_t cuts[256], n = 0, at = 0;
		while (round && n < 256) {
			at += 1 + rnd(&st) % 100000;
			if (at >= len)
				break;
			cuts[n++] = at;
		}
		out_reset(&o);
		run_cuts(set, in, len, cuts, n, &o);
		cr_assert_eq(o.len, wlen, "round %d", round);
		cr_assert(memcmp(o.buf, want, wlen) == 0, "round %d", round);
	}
	free(o.buf);
	free(in);
	free(want);
	mask_set_free(set);
}

Test(mask_stream, hold_is_bounded)
{
	struct mask_set *set = build(ALL_PRESETS, NULL, 0);
	struct mask_stream *s = mask_stream_new(set);
	struct out o = { 0 };
	const char *token = "ghp_1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ";
	size_t total = 200 * 1024, at = 0;
	char *in = malloc(total + 256), *p = in;

	/* A private key block that never ends: held up to MASK_HOLD_MAX, then released. */
	p += sprintf(p, "-----BEGIN RSA PRIVATE KEY-----\nline with %s in it\n", token);
	while ((size_t)(p - in) < total)
		p += sprintf(p, "MIIEpAIBAAKCAQEA%08zuabcdefghijklmnopqrstuvwxyz0123456789\n",
			     (size_t)(p - in));
	total = (size_t)(p - in);
	o.forbidden = token;
	o.forbidden_len = strlen(token);
	while (at < total) {
		size_t n = total - at < 3000 ? total - at : 3000;
		cr_assert_eq(mask_stream_feed(s, (const uint8_t *)in + at, n, collect, &o), 0);
		cr_assert_leq(mask_stream_held(s), MASK_HOLD_MAX);
		at += n;
	}
	cr_expect_gt(o.len, total - MASK_HOLD_MAX - 3000, "the oldest bytes went out");
	cr_assert_eq(mask_stream_flush(s, collect, &o), 0);
	cr_expect_not(o.leaked, "a complete secret among released bytes is still masked");
	cr_expect_eq(mask_stream_count(s, pattern_index(set, "github")), 1);
	cr_expect_eq(o.len, total - strlen(token) + strlen("ghp_***"));

	/* A "secret" longer than the hold: masked as far as it had come (documented). */
	out_reset(&o);
	o.forbidden = NULL;
	memcpy(in, "sk-ant-", 7);
	memset(in + 7, 'a', MASK_HOLD_MAX + 9993);
	for (at = 0; at < MASK_HOLD_MAX + 10000; at += 1000) {
		cr_assert_eq(mask_stream_feed(s, (const uint8_t *)in + at, 1000, collect, &o), 0);
		cr_assert_leq(mask_stream_held(s), MASK_HOLD_MAX);
	}
	cr_assert_eq(mask_stream_flush(s, collect, &o), 0);
	cr_expect(o.len > 10 && memcmp(o.buf, "sk-ant-***", 10) == 0);
	cr_expect_lt(o.len, 11000);
	mask_stream_free(s);
	free(o.buf);
	free(in);
	mask_set_free(set);
}

Test(mask_stream, counts_per_pattern)
{
	const char *const lits[] = { lit_value };
	struct mask_set *set = build(ALL_PRESETS, lits, 1);
	struct mask_stream *s = mask_stream_new(set);
	struct out o = { 0 };
	size_t n;
	mask_set_patterns(set, &n);
	for (int i = 0; i < 3; i++) {
		char *in = wrap(secrets[0].secret, " ", secrets[5].secret);
		char *in2 = wrap(" ", secrets[7].secret, " correct-horse-battery\n");
		cr_assert_eq(mask_stream_feed(s, (const uint8_t *)in, strlen(in), collect, &o), 0);
		cr_assert_eq(mask_stream_feed(s, (const uint8_t *)in2, strlen(in2), collect, &o),
			     0);
		free(in);
		free(in2);
	}
	cr_assert_eq(mask_stream_flush(s, collect, &o), 0);
	size_t gh = pattern_index(set, "github");
	cr_expect_eq(mask_stream_count(s, pattern_index(set, "anthropic")), 3);
	cr_expect_eq(mask_stream_count(s, gh) + mask_stream_count(s, gh + 1), 6,
		     "github has two regexes, counted apart under one name");
	cr_expect_eq(mask_stream_count(s, pattern_index(set, "denied file value")), 3);
	cr_expect_eq(mask_stream_count(s, pattern_index(set, "openai")), 0);
	cr_expect_eq(mask_stream_count(s, n), 0, "out of range");
	mask_stream_free(s);
	free(o.buf);
	mask_set_free(set);
}

static int failing_emit(void *ctx, const uint8_t *data, size_t len)
{
	return -EPIPE;
}

Test(mask_stream, emitter_error_is_passed_back)
{
	struct mask_set *set = build(ALL_PRESETS, NULL, 0);
	struct mask_stream *s = mask_stream_new(set);
	cr_expect_eq(mask_stream_feed(s, (const uint8_t *)"hello\n", 6, failing_emit, NULL),
		     -EPIPE);
	cr_expect_eq(mask_stream_feed(s, (const uint8_t *)"x sk-ant-a", 10, failing_emit, NULL),
		     -EPIPE);
	mask_stream_free(s);
	mask_set_free(set);
}

Test(mask_stream, too_large_together)
{
	/* Each pattern compiles alone; forty of 1,000 literal bytes pass 64 KiB of compiled code. */
	size_t cap = 64 * 1024, at = 0;
	char *yaml = malloc(cap);
	at += (size_t)snprintf(yaml, cap, "mask_stdout:\n  patterns:\n");
	for (int i = 0; i < 40; i++) {
		at += (size_t)snprintf(yaml + at, cap - at, "    - regex: \"t%02d", i);
		for (int j = 0; j < 997; j++)
			yaml[at++] = (char)('a' + (i * 7 + j) % 26);
		at += (size_t)snprintf(yaml + at, cap - at, "\"\n");
	}
	struct policy_diag d;
	struct policy *p = policy_new();
	struct policy_blob b;
	struct mask_set *set = NULL;
	char err[256] = "";
	void *data;
	size_t size;
	cr_assert_eq(policy_load_buffer(p, yaml, at, "g.yaml", &d), 0, "%s", d.msg);
	cr_assert_eq(policy_compile(p, "/home/u", "/home/u/proj", &data, &size), 0);
	cr_assert_eq(policy_blob_open(data, size, &b), 0);
	cr_expect_eq(mask_set_build(&b, NULL, 0, &set, err, sizeof(err)), -E2BIG, "%s", err);
	cr_expect_not_null(strstr(err, "too large"), "%s", err);
	policy_free(p);
	free(data);
	free(yaml);
}

Test(mask_stream, one_set_many_streams)
{
	struct mask_set *set = build(ALL_PRESETS, NULL, 0);
	struct mask_stream *a = mask_stream_new(set), *b = mask_stream_new(set);
	struct out oa = { 0 }, ob = { 0 };
	const char *in = "k=AKIAIOSFODNN7EXAMPLE\n";
	/* Interleaved, each holding part of a secret: neither sees the other's bytes. */
	cr_assert_eq(mask_stream_feed(a, (const uint8_t *)in, 8, collect, &oa), 0);
	cr_assert_eq(mask_stream_feed(b, (const uint8_t *)in, 12, collect, &ob), 0);
	cr_assert_eq(mask_stream_feed(a, (const uint8_t *)in + 8, strlen(in) - 8, collect, &oa), 0);
	cr_assert_eq(mask_stream_feed(b, (const uint8_t *)"\n", 1, collect, &ob), 0);
	cr_assert_eq(mask_stream_flush(a, collect, &oa), 0);
	cr_assert_eq(mask_stream_flush(b, collect, &ob), 0);
	cr_assert_eq(mask_stream_flush(b, collect, &ob), 0, "flushing nothing is fine");
	expect_out(&oa, "k=AKIA***\n", "stream a");
	expect_out(&ob, "k=AKIAIOSFOD\n", "stream b: a cut-off key is not one");
	cr_expect_eq(mask_stream_count(a, pattern_index(set, "aws_key")), 1);
	cr_expect_eq(mask_stream_count(b, pattern_index(set, "aws_key")), 0);
	mask_stream_free(a);
	mask_stream_free(b);
	mask_stream_free(NULL);
	mask_set_free(NULL);
	free(oa.buf);
	free(ob.buf);
	mask_set_free(set);
}

/* ---- the delay running out (mask_stream_release()) ---- */

/*
 * Feed @in in pieces of @piece bytes, releasing after every @every pieces
 * (the delay running out between writes of a slow stream), then flush.
 */
static void run_released(const struct mask_set *set, const char *in, size_t piece, size_t every,
			 struct out *o, struct mask_stream **ret)
{
	struct mask_stream *s = mask_stream_new(set);
	size_t len = strlen(in), n = 0;
	cr_assert_not_null(s);
	for (size_t at = 0; at < len; at += piece) {
		size_t k = len - at < piece ? len - at : piece;
		cr_assert_eq(mask_stream_feed(s, (const uint8_t *)in + at, k, collect, o), 0);
		if (++n % every == 0)
			cr_assert_eq(mask_stream_release(s, collect, o), 0);
		cr_assert_eq(mask_stream_held(s) && n % every == 0, false,
			     "released: nothing held");
	}
	cr_assert_eq(mask_stream_flush(s, collect, o), 0);
	if (ret)
		*ret = s;
	else
		mask_stream_free(s);
}

/* Do @window consecutive bytes of @secret after its first @skip appear in @o? */
static bool tail_leaked(const struct out *o, const char *secret, size_t skip, size_t window)
{
	size_t len = strlen(secret);
	for (size_t i = skip; i + window <= len; i++)
		if (memmem(o->buf, o->len, secret + i, window))
			return true;
	return false;
}

/*
 * A secret written slower than the delay: every single-line preset, one
 * byte per write, released after every 1 to 9 writes. Nothing of it gets
 * out past its shown prefix and the few bytes after it that cannot yet be
 * told from a word (at most 8 here), it is counted once, and the text
 * after it passes.
 */
Test(mask_stream, slow_secret_released_masked, .timeout = 60)
{
	struct mask_set *set = build(ALL_PRESETS, NULL, 0);
	struct out o = { 0 };
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		const struct secret_case *c = &secrets[i];
		if (strchr(c->secret, '\n'))
			continue; /* private key blocks: documented, released as they are */
		for (size_t every = 1; every <= 9; every++) {
			char *in = wrap("key: ", c->secret, " and more\n");
			struct mask_stream *s;
			out_reset(&o);
			run_released(set, in, 1, every, &o, &s);
			size_t shown = strstr(c->masked, "***") - c->masked;
			cr_expect_not(tail_leaked(&o, c->secret, shown + 8, 8),
				      "%s released every %zu bytes leaked: '%.*s'", c->secret,
				      every, (int)o.len, (const char *)o.buf);
			cr_expect(o.len >= 10 && memcmp(o.buf + o.len - 10, " and more\n", 10) == 0,
				  "%s every %zu: the text after it passes: '%.*s'", c->secret,
				  every, (int)o.len, (const char *)o.buf);
			cr_expect_eq(count_named(set, s, c->preset), 1,
				     "%s every %zu: counted once", c->secret, every);
			mask_stream_free(s);
			free(in);
		}
	}
	free(o.buf);
	mask_set_free(set);
}

/* The exact bytes: a short partial goes out, the match that grows from it is masked from there. */
Test(mask_stream, released_prefix_then_rest)
{
	struct mask_set *set = build(ALL_PRESETS, NULL, 0);
	struct mask_stream *s = mask_stream_new(set);
	struct out o = { 0 };
	const char *rest = "nt-api03-Zq7XbT2mLr9VwK4pNc8YhD3 done\n";
	cr_assert_eq(mask_stream_feed(s, (const uint8_t *)"key sk-a", 8, collect, &o), 0);
	cr_assert_eq(mask_stream_release(s, collect, &o), 0);
	cr_assert_eq(mask_stream_feed(s, (const uint8_t *)rest, strlen(rest), collect, &o), 0);
	cr_assert_eq(mask_stream_flush(s, collect, &o), 0);
	expect_out(&o, "key sk-ant-*** done\n", "sk-a released, the rest in one write");
	cr_expect_eq(count_named(set, s, "anthropic"), 1);
	mask_stream_free(s);
	/* Long enough at the release: masked then, and its continuation dropped. */
	s = mask_stream_new(set);
	out_reset(&o);
	cr_assert_eq(mask_stream_feed(s, (const uint8_t *)"key sk-ant-api03-Zq", 19, collect, &o),
		     0);
	cr_assert_eq(mask_stream_release(s, collect, &o), 0);
	cr_assert_eq(mask_stream_feed(s, (const uint8_t *)"7XbT2mLr9V", 10, collect, &o), 0);
	cr_assert_eq(mask_stream_feed(s, (const uint8_t *)"wK4pNc8Y rest\n", 14, collect, &o), 0);
	cr_assert_eq(mask_stream_flush(s, collect, &o), 0);
	expect_out(&o, "key sk-ant-*** rest\n", "masked at the release, the rest dropped");
	cr_expect_eq(count_named(set, s, "anthropic"), 1);
	mask_stream_free(s);
	free(o.buf);
	mask_set_free(set);
}

/*
 * What only begins like a secret passes unchanged through releases: words
 * ("task-based"), a key header mentioned in text, a prompt ending in "sk-".
 */
Test(mask_stream, release_passes_lookalikes)
{
	static const char *const texts[] = {
		"a task-based approach, a disk-backed cache\n",
		"-----BEGIN RSA PRIVATE KEY----- is the first line of a PEM file\nmore text\n",
		"Paste the key that starts with sk- got yes\n",
		"AKIA is how AWS access keys begin\n",
		/* Typed at a shell prompt, a key per write (words and branch names). */
		"git checkout task-42-fix-login-page && ls\n",
		"du -sh disk-usage-report2.txt ask-a11y-guidelines feature/risk-model-v3-tuning\n",
		"pip install sk-learn2\n",
	};
	struct mask_set *set = build(ALL_PRESETS, NULL, 0);
	struct out o = { 0 };
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		for (size_t piece = 1; piece <= 7; piece += 3)
			for (size_t every = 1; every <= 5; every += 2) {
				out_reset(&o);
				run_released(set, texts[i], piece, every, &o, NULL);
				expect_out(&o, texts[i], texts[i]);
			}
	free(o.buf);
	mask_set_free(set);
}

/* A denied file's value written slower than the delay: masked all the same. */
Test(mask_stream, slow_literal_released_masked)
{
	static const char *const lits[] = { "correct-horse-battery-staple" };
	struct mask_set *set = build("mask_stdout:\n  presets: [aws_key]\n", lits, 1);
	struct out o = { 0 };
	for (size_t every = 1; every <= 9; every++) {
		out_reset(&o);
		run_released(set, "pw=correct-horse-battery-staple ok\n", 1, every, &o, NULL);
		cr_expect_not(tail_leaked(&o, lits[0], 12, 6), "every %zu: '%.*s'", every,
			      (int)o.len, (const char *)o.buf);
		cr_expect(o.len >= 4 && memcmp(o.buf + o.len - 4, " ok\n", 4) == 0);
	}
	free(o.buf);
	mask_set_free(set);
}

/* One write, then the delay runs out: complete secrets after a partial that is not masked are. */
Test(mask_stream, release_masks_complete_after_a_partial)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "-----BEGIN RSA PRIVATE KEY----- named in text; key "
		  "sk-ant-api03-Zq7XbT2mLr9VwK4pNc8YhD3sFg6J done\n-----BEGIN",
		  "-----BEGIN RSA PRIVATE KEY----- named in text; key sk-ant-*** "
		  "done\n-----BEGIN" },
		{ "-----BEGIN RSA PRIVATE KEY-----\nexport AWS=AKIAIOSFODNN7EXAMPLE\n",
		  "-----BEGIN RSA PRIVATE KEY-----\nexport AWS=AKIA***\n" },
	};
	struct mask_set *set = build(ALL_PRESETS, NULL, 0);
	struct out o = { 0 };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mask_stream *s = mask_stream_new(set);
		out_reset(&o);
		cr_assert_eq(mask_stream_feed(s, (const uint8_t *)cases[i].in, strlen(cases[i].in),
					      collect, &o),
			     0);
		cr_assert_eq(mask_stream_release(s, collect, &o), 0);
		cr_assert_eq(mask_stream_flush(s, collect, &o), 0);
		expect_out(&o, cases[i].want, cases[i].in);
		mask_stream_free(s);
	}
	free(o.buf);
	mask_set_free(set);
}

/* The end of the stream after a release: a secret that grew from the bytes let out is masked. */
Test(mask_stream, flush_after_release_masks_the_rest)
{
	struct mask_set *set = build(ALL_PRESETS, NULL, 0);
	struct mask_stream *s = mask_stream_new(set);
	struct out o = { 0 };
	const char *rest = "nt-api03-Zq7XbT2mLr9VwK4pNc8YhD3";
	cr_assert_eq(mask_stream_feed(s, (const uint8_t *)"key: sk-a", 9, collect, &o), 0);
	cr_assert_eq(mask_stream_release(s, collect, &o), 0);
	cr_assert_eq(mask_stream_feed(s, (const uint8_t *)rest, strlen(rest), collect, &o), 0);
	cr_assert_eq(mask_stream_flush(s, collect, &o), 0);
	expect_out(&o, "key: sk-ant-***", "sk-a let out, the rest then the end");
	mask_stream_free(s);
	free(o.buf);
	mask_set_free(set);
}

/*
 * Secrets that read like words when they begin are masked once their
 * pattern matches (a byte per write, a release after each): a lower-case
 * bearer token, a custom password= pattern; the rest of each is dropped as
 * its own pattern goes on (past "!", which is no token byte).
 */
Test(mask_stream, slow_wordlike_secrets)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		/* Its first 7 token bytes are a word until the 8th makes it a match. */
		{ "Bearer abcdefghijklmnopqrstuvwxyzabcdefgh rest\n", "Bearer abcdefg*** rest\n" },
		{ "password=correcthorsebatterystaple rest\n", "password=*** rest\n" },
		{ "password=Tr0ub4dor!and-the-rest-of-it rest\n", "password=*** rest\n" },
	};
	struct mask_set *set =
		build(ALL_PRESETS "  patterns:\n    - name: pw\n      regex: 'password=\\S+'\n"
				  "      show_prefix: 9\n",
		      NULL, 0);
	struct out o = { 0 };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out_reset(&o);
		run_released(set, cases[i].in, 1, 1, &o, NULL);
		expect_out(&o, cases[i].want, cases[i].in);
	}
	free(o.buf);
	mask_set_free(set);
}

/* A denied value with spaces, released in the middle: its known rest is dropped, byte for byte. */
Test(mask_stream, slow_literal_with_spaces)
{
	static const char *const lits[] = { "my secret pass phrase" };
	struct mask_set *set = build("mask_stdout:\n  presets: [aws_key]\n", lits, 1);
	struct out o = { 0 };
	for (size_t every = 1; every <= 6; every++) {
		out_reset(&o);
		run_released(set, "value: my secret pass phrase; done\n", 1, every, &o, NULL);
		cr_expect_not(tail_leaked(&o, lits[0], 12, 5), "every %zu: '%.*s'", every,
			      (int)o.len, (const char *)o.buf);
		cr_expect(o.len >= 7 && memcmp(o.buf + o.len - 7, "; done\n", 7) == 0,
			  "every %zu: '%.*s'", every, (int)o.len, (const char *)o.buf);
	}
	free(o.buf);
	mask_set_free(set);
}

static int fail_emit(void *ctx, const uint8_t *data, size_t len)
{
	(void)ctx, (void)data, (void)len;
	return -EIO;
}

/* An emitter that fails after a release leaves a stream that still works (no stale context). */
Test(mask_stream, emitter_error_after_release)
{
	struct mask_set *set = build(ALL_PRESETS, NULL, 0);
	struct mask_stream *s = mask_stream_new(set);
	struct out o = { 0 };
	const char *rest = "nt-api03-Zq7XbT2mLr9VwK4pNc8YhD3 x\n";
	cr_assert_eq(mask_stream_feed(s, (const uint8_t *)"key sk-a", 8, collect, &o), 0);
	cr_assert_eq(mask_stream_release(s, collect, &o), 0);
	cr_expect_eq(mask_stream_feed(s, (const uint8_t *)rest, strlen(rest), fail_emit, NULL),
		     -EIO);
	out_reset(&o);
	cr_assert_eq(mask_stream_feed(s, (const uint8_t *)"hello\n", 6, collect, &o), 0);
	cr_assert_eq(mask_stream_flush(s, collect, &o), 0);
	expect_out(&o, "hello\n", "after the error");
	mask_stream_free(s);
	free(o.buf);
	mask_set_free(set);
}

/* A hold whose first bytes went out is a new hold: the caller's delay starts again. */
Test(mask_stream, hold_id_changes_with_the_hold)
{
	struct mask_set *set = build(ALL_PRESETS, NULL, 0);
	struct mask_stream *s = mask_stream_new(set);
	struct out o = { 0 };
	cr_assert_eq(mask_stream_feed(s, (const uint8_t *)"a sk", 4, collect, &o), 0);
	cr_assert_gt(mask_stream_held(s), 0);
	uint64_t first = mask_stream_hold_id(s);
	cr_assert_eq(mask_stream_feed(s, (const uint8_t *)"-a", 2, collect, &o), 0);
	cr_expect_eq(mask_stream_hold_id(s), first, "the same hold, grown");
	cr_assert_eq(mask_stream_feed(s, (const uint8_t *)"\nAKIAIOSF", 9, collect, &o), 0);
	cr_assert_gt(mask_stream_held(s), 0);
	cr_expect_neq(mask_stream_hold_id(s), first, "sk-a went out: AKIA… is a new hold");
	mask_stream_free(s);
	free(o.buf);
	mask_set_free(set);
}

/* Feed the steps: text is one write, NULL a release; then flush. */
static void run_steps(const struct mask_set *set, const char *const *steps, size_t n, struct out *o)
{
	struct mask_stream *s = mask_stream_new(set);
	cr_assert_not_null(s);
	for (size_t i = 0; i < n; i++)
		if (steps[i])
			cr_assert_eq(mask_stream_feed(s, (const uint8_t *)steps[i],
						      strlen(steps[i]), collect, o),
				     0);
		else
			cr_assert_eq(mask_stream_release(s, collect, o), 0);
	cr_assert_eq(mask_stream_flush(s, collect, o), 0);
	mask_stream_free(s);
}

/*
 * From a second review: a complete secret after a partial let out is
 * masked on the release path that keeps the partial too; lookbehind
 * patterns keep their context across releases and continuations; denied
 * values that begin alike are followed by whichever the bytes go on with.
 */
Test(mask_stream, release_second_review)
{
	static const char *const lits[] = { "postgres://app:S3cretAAA@db1/x",
					    "postgres://app:Other9@db2/x" };
	struct mask_set *set =
		build(ALL_PRESETS
		      "  patterns:\n    - name: pwline\n      regex: '(?<=\\n)PASSWORD=\\S+'\n"
		      "    - name: tok\n      regex: '(?<=token: )[A-Za-z0-9]{16,}'\n",
		      lits, 2);
	struct out o = { 0 };
	const char *pem_key[] = { "-----BEGIN RSA PRIVATE KEY----- named; key ", NULL,
				  "AKIAIOSFODNN7EXAMPLE", NULL, " done\n" };
	run_steps(set, pem_key, 5, &o);
	expect_out(&o, "-----BEGIN RSA PRIVATE KEY----- named; key AKIA*** done\n", "pem then key");
	/* The key itself split by a release, after the header (third review). */
	out_reset(&o);
	const char *pem_split[] = { "-----BEGIN RSA PRIVATE KEY----- key AKIAIOSF", NULL,
				    "ODNN7EXAMPLE done\n" };
	run_steps(set, pem_split, 3, &o);
	expect_out(&o, "-----BEGIN RSA PRIVATE KEY----- key AKIAIOSF*** done\n", "pem, key split");
	out_reset(&o);
	run_released(set, "-----BEGIN RSA PRIVATE KEY----- named; key AKIAIOSFODNN7EXAMPLE done\n",
		     1, 1, &o, NULL);
	cr_expect_not(tail_leaked(&o, "AKIAIOSFODNN7EXAMPLE", 12, 6), "pem, key slow: '%.*s'",
		      (int)o.len, (const char *)o.buf);
	out_reset(&o);
	const char *pem_ant[] = { "x -----BEGIN PRIVATE KEY----- sk-ant-api03-Xq3L", NULL,
				  "k9vPz2RmT7wYbN4cJ8hF1dS6gA5eK0uI-oBqWxZy_AA done\n" };
	run_steps(set, pem_ant, 3, &o);
	cr_expect_not(tail_leaked(&o,
				  "sk-ant-api03-Xq3Lk9vPz2RmT7wYbN4cJ8hF1dS6gA5eK0uI-oBqWxZy_AA",
				  17, 6),
		      "pem, anthropic split: '%.*s'", (int)o.len, (const char *)o.buf);
	out_reset(&o);
	const char *tok[] = { "token: Ab3dEf6hIj9kL", NULL, "m0pQr1sTu2v rest\n" };
	run_steps(set, tok, 3, &o);
	expect_out(&o, "token: *** rest\n", "lookbehind continued");
	out_reset(&o);
	run_released(set, "x\nPASSWORD=Tr0ub4dor3xyzzyQQ rest\n", 1, 1, &o, NULL);
	cr_expect_not(tail_leaked(&o, "PASSWORD=Tr0ub4dor3xyzzyQQ", 9, 8), "'%.*s'", (int)o.len,
		      (const char *)o.buf);
	out_reset(&o);
	const char *db[] = { "url=postgres://a", NULL, "pp:Other9@db2/x done\n" };
	run_steps(set, db, 3, &o);
	expect_out(&o, "url=*** done\n", "the other value");
	free(o.buf);
	mask_set_free(set);
}

/* Many complete matches held at once, then a release: no recursion per match. */
Test(mask_stream, release_many_matches)
{
	struct mask_set *set = build(
		"mask_stdout:\n  patterns:\n    - name: x\n      regex: 'X(?:[\\s\\S]*END)?'\n",
		NULL, 0);
	struct mask_stream *s = mask_stream_new(set);
	struct out o = { 0 };
	size_t n = 20000;
	char *in = malloc(n);
	memset(in, 'X', n);
	cr_assert_eq(mask_stream_feed(s, (const uint8_t *)in, n, collect, &o), 0);
	cr_assert_eq(mask_stream_release(s, collect, &o), 0);
	cr_assert_eq(mask_stream_flush(s, collect, &o), 0);
	cr_expect_eq(o.len, 3 * n, "every X masked");
	mask_stream_free(s);
	free(in);
	free(o.buf);
	mask_set_free(set);
}
