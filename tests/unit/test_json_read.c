/* SPDX-License-Identifier: MIT */
/*
 * test_json_read.c — the strict JSON reader of audit lines: every valid
 * form (printed back in a canonical form and compared), every invalid one
 * (the message and the byte offset), the limits (depth, length, huge
 * numbers), the \u00XX byte convention of the audit writer, parser reuse,
 * and a robustness run over mutated inputs (meant for ASan+UBSan).
 *
 * Each table row is its own test; a failure names the input.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher/json_read.h"
#include "policy/util.h"

/* Canonical text of a value: compact JSON; string bytes outside 0x20…0x7e as \xNN; non-integers as d:%.17g. */
static void canon(const struct json_value *v, FILE *f)
{
	switch (v->type) {
	case JSON_NULL:
		fputs("null", f);
		break;
	case JSON_FALSE:
		fputs("false", f);
		break;
	case JSON_TRUE:
		fputs("true", f);
		break;
	case JSON_NUMBER:
		if (v->is_int)
			fprintf(f, "%lld", (long long)v->i);
		else
			fprintf(f, "d:%.17g", v->d);
		break;
	case JSON_STRING:
		fputc('"', f);
		for (size_t i = 0; i < v->n; i++) {
			unsigned char c = (unsigned char)v->str[i];
			if (c == '"' || c == '\\')
				fprintf(f, "\\%c", c);
			else if (c < 0x20 || c > 0x7e)
				fprintf(f, "\\x%02x", c);
			else
				fputc(c, f);
		}
		fputc('"', f);
		cr_assert_eq(v->str[v->n], 0, "strings are NUL-terminated");
		break;
	case JSON_ARRAY:
		fputc('[', f);
		for (size_t i = 0; i < v->n; i++) {
			if (i)
				fputc(',', f);
			canon(&v->items[i], f);
		}
		fputc(']', f);
		break;
	case JSON_OBJECT:
		fputc('{', f);
		for (size_t i = 0; i < v->n; i++) {
			struct json_value key = { .type = JSON_STRING,
						  .n = v->members[i].key_len,
						  .str = v->members[i].key };
			if (i)
				fputc(',', f);
			canon(&key, f);
			fputc(':', f);
			canon(&v->members[i].value, f);
		}
		fputc('}', f);
		break;
	default:
		cr_assert_fail("unknown type %d", (int)v->type);
	}
}

static char *canon_str(const struct json_value *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
	canon(v, f);
	fclose(f);
	return buf;
}

static struct json_parser *parser(void)
{
	struct json_parser *p = NULL;
	cr_assert_eq(json_parser_new(&p), 0);
	return p;
}

/* Criterion runs each parameter in a fresh process: the parameters are table indices. */
static size_t case_index[128];

static struct criterion_test_params case_indices(size_t n)
{
	for (size_t i = 0; i < n; i++)
		case_index[i] = i;
	return cr_make_param_array(size_t, case_index, n);
}

struct valid_case {
	const char *in;
	const char *canon;
};

static const struct valid_case valid_cases[] = {
	{ "{}", "{}" },
	{ " [ ] ", "[]" },
	{ "\t\r\n{\"a\" : 1 }\n", "{\"a\":1}" },
	{ "[1,-2,0,-0,10]", "[1,-2,0,0,10]" },
	{ "[true,false,null]", "[true,false,null]" },
	{ "[[],{},[[]],{\"\":{}}]", "[[],{},[[]],{\"\":{}}]" },
	{ "{\"k\":{\"x\":[{\"y\":\"z\"}]},\"n\":null}",
	  "{\"k\":{\"x\":[{\"y\":\"z\"}]},\"n\":null}" },
	{ "3.25", "d:3.25" },
	{ "-0.5e1", "d:-5" },
	{ "1e3", "d:1000" },
	{ "1E+2", "d:100" },
	{ "25e-1", "d:2.5" },
	{ "9223372036854775807", "9223372036854775807" },
	{ "-9223372036854775808", "-9223372036854775808" },
	{ "9223372036854775808", "d:9.2233720368547758e+18" },
	{ "-9223372036854775809", "d:-9.2233720368547758e+18" },
	{ "123456789012345678901234567890", "d:1.2345678901234568e+29" },
	{ "1e400", "d:inf" },
	{ "-1e400", "d:-inf" },
	{ "1e-400", "d:0" },
	{ "\"\"", "\"\"" },
	{ "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", "\"a\\\"b\\\\c/d\\x08\\x0c\\x0a\\x0d\\x09\"" },
	{ "\"\\u0041\\u007a\"", "\"Az\"" },
	{ "\"\\u0001\\u001f\\u007f\"", "\"\\x01\\x1f\\x7f\"" },
	/* The audit writer's escape of a byte that is not UTF-8: the raw byte. */
	{ "\"k\\u00ff.pem\"", "\"k\\xff.pem\"" },
	{ "\"\\u0080\\u00C3\\u00a9\"", "\"\\x80\\xc3\\xa9\"" },
	{ "\"\\u0100\"", "\"\\xc4\\x80\"" },
	{ "\"\\u20ac\"", "\"\\xe2\\x82\\xac\"" },
	{ "\"\\uD83D\\uDE00\"", "\"\\xf0\\x9f\\x98\\x80\"" },
	{ "\"\\udbff\\udfff\"", "\"\\xf4\\x8f\\xbf\\xbf\"" },
	{ "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
	  "\"caf\\xc3\\xa9 \\xe2\\x82\\xac \\xf0\\x9f\\x98\\x80\"" },
	{ "{\"a\":1,\"a\":2}", "{\"a\":1,\"a\":2}" },
	{ "{\"\\u00ff\":\"v\"}", "{\"\\xff\":\"v\"}" },
	{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	  "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]" },
	{ "{\"ts\":\"2026-11-23T14:02:11.123456Z\",\"session\":\"5f0c2a9e7b1d4c38\",\"seq\":2,"
	  "\"duration_ms\":9999.900}",
	  "{\"ts\":\"2026-11-23T14:02:11.123456Z\",\"session\":\"5f0c2a9e7b1d4c38\",\"seq\":2,"
	  "\"duration_ms\":d:9999.8999999999996}" },
};

_Static_assert(ARRAY_SIZE(valid_cases) <= ARRAY_SIZE(case_index), "grow case_index");

ParameterizedTestParameters(json_read, valid)
{
	return case_indices(ARRAY_SIZE(valid_cases));
}

ParameterizedTest(size_t *i, json_read, valid)
{
	const struct valid_case *tc = &valid_cases[*i];
	_cleanup_(json_parser_freep) struct json_parser *p = parser();
	const struct json_value *v = NULL;
	struct json_error err = { 0 };
	int r = json_parse(p, tc->in, strlen(tc->in), &v, &err);
	cr_assert_eq(r, 0, "input %s: error %d at %zu: %s", tc->in, r, err.offset,
		     err.msg ? err.msg : "");
	_cleanup_free_ char *got = canon_str(v);
	cr_assert_str_eq(got, tc->canon, "input %s", tc->in);
}

struct invalid_case {
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *msg;
	size_t offset;
};

#define END	 "unexpected end of input"
#define TRAILING "trailing characters after the value"
#define VALUE	 "invalid value"
#define NUMBER	 "invalid number"
#define KEY	 "expected a string key in an object"
#define UESC	 "invalid \\u escape"
#define SURR	 "unpaired surrogate in a \\u escape"
#define CTRL	 "control character in a string"
#define UTF8	 "invalid UTF-8 in a string"

static const struct invalid_case invalid_cases[] = {
	{ "", 0, END, 0 },
	{ "   ", 0, END, 3 },
	{ "{", 0, END, 1 },
	{ "{\"a\"", 0, END, 4 },
	{ "{\"a\":", 0, END, 5 },
	{ "{\"a\":1", 0, END, 6 },
	{ "[1,", 0, END, 3 },
	{ "[", 0, END, 1 },
	{ "{\"a\":1,}", 0, KEY, 7 },
	{ "{a:1}", 0, KEY, 1 },
	{ "{1:1}", 0, KEY, 1 },
	{ "[1,]", 0, VALUE, 3 },
	{ "[,1]", 0, VALUE, 1 },
	{ "[1 2]", 0, "expected ',' or ']' in an array", 3 },
	{ "{\"a\":1 \"b\":2}", 0, "expected ',' or '}' in an object", 7 },
	{ "{\"a\" 1}", 0, "expected ':' after an object key", 5 },
	{ "{} x", 0, TRAILING, 3 },
	{ "{}{}", 0, TRAILING, 2 },
	{ "[1]]", 0, TRAILING, 3 },
	{ "{\"a\":1}\0", 8, TRAILING, 7 },
	{ "\"abc", 0, "unexpected end of input in a string", 4 },
	{ "\"abc\\\"", 0, "unexpected end of input in a string", 6 },
	{ "\"\\x\"", 0, "invalid escape in a string", 1 },
	{ "\"\\\0\"", 4, "invalid escape in a string", 1 },
	{ "\"\\U0041\"", 0, "invalid escape in a string", 1 },
	{ "\"\\u12\"", 0, UESC, 1 },
	{ "\"\\u12g4\"", 0, UESC, 1 },
	{ "\"\\u\"", 0, UESC, 1 },
	{ "\"\\ud800\"", 0, SURR, 1 },
	{ "\"\\udc00\"", 0, SURR, 1 },
	{ "\"\\ud800\\u0041\"", 0, SURR, 1 },
	{ "\"\\ud800\\ud800\"", 0, SURR, 1 },
	{ "\"x\\ud83d\"", 0, SURR, 2 },
	{ "\"\\u0000\"", 0, "\\u0000 in a string", 1 },
	{ "\"a\tb\"", 0, CTRL, 2 },
	{ "\"a\nb\"", 0, CTRL, 2 },
	{ "\"\x1b[31m\"", 0, CTRL, 1 },
	{ "\"a\0b\"", 5, CTRL, 2 },
	{ "\"\xff\"", 0, UTF8, 1 },
	{ "\"\xc0\xaf\"", 0, UTF8, 1 },
	{ "\"\xed\xa0\x80\"", 0, UTF8, 1 },
	{ "\"\xf4\x90\x80\x80\"", 0, UTF8, 1 },
	{ "\"\xe2\x82\"", 0, UTF8, 1 },
	{ "\"\x80\"", 0, UTF8, 1 },
	{ "01", 0, TRAILING, 1 },
	{ "-", 0, NUMBER, 0 },
	{ "-a", 0, NUMBER, 0 },
	{ "1.", 0, NUMBER, 0 },
	{ "1.e5", 0, NUMBER, 0 },
	{ "1e", 0, NUMBER, 0 },
	{ "1e+", 0, NUMBER, 0 },
	{ ".5", 0, VALUE, 0 },
	{ "+1", 0, VALUE, 0 },
	{ "0x10", 0, TRAILING, 1 },
	{ "tru", 0, VALUE, 0 },
	{ "nul", 0, VALUE, 0 },
	{ "True", 0, VALUE, 0 },
	{ "NaN", 0, VALUE, 0 },
	{ "Infinity", 0, VALUE, 0 },
	{ "'a'", 0, VALUE, 0 },
	{ "truex", 0, TRAILING, 4 },
	{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", 0,
	  "nested deeper than 32 levels", 32 },
	{ "{\"a\":[{\"a\":[{\"a\":[{\"a\":[{\"a\":[{\"a\":[{\"a\":[{\"a\":[{\"a\":[{\"a\":[{\"a\":["
	  "{\"a\":[{\"a\":[{\"a\":[{\"a\":[{\"a\":[{\"a\":",
	  0, "nested deeper than 32 levels", 96 },
};

_Static_assert(ARRAY_SIZE(invalid_cases) <= ARRAY_SIZE(case_index), "grow case_index");

ParameterizedTestParameters(json_read, invalid)
{
	return case_indices(ARRAY_SIZE(invalid_cases));
}

ParameterizedTest(size_t *i, json_read, invalid)
{
	const struct invalid_case *tc = &invalid_cases[*i];
	_cleanup_(json_parser_freep) struct json_parser *p = parser();
	const struct json_value *v = NULL;
	struct json_error err = { 0 };
	size_t len = tc->len ? tc->len : strlen(tc->in);
	int r = json_parse(p, tc->in, len, &v, &err);
	cr_assert_eq(r, -EINVAL, "input %s: expected -EINVAL, got %d", tc->in, r);
	cr_assert_null(v, "input %s: no value on error", tc->in);
	cr_assert_str_eq(err.msg, tc->msg, "input %s", tc->in);
	cr_assert_eq(err.offset, tc->offset, "input %s: offset %zu, expected %zu", tc->in,
		     err.offset, tc->offset);
}

/* @n copies of @s, then @tail. */
static char *repeat(const char *s, size_t n, const char *tail)
{
	size_t l = strlen(s), t = strlen(tail);
	char *buf = malloc(l * n + t + 1);
	cr_assert_not_null(buf);
	for (size_t i = 0; i < n; i++)
		memcpy(buf + i * l, s, l);
	memcpy(buf + l * n, tail, t + 1);
	return buf;
}

Test(json_read, deep_nesting_stops_at_the_limit)
{
	/* 100,000 open brackets: refused at level 33, without recursing further. */
	_cleanup_free_ char *in = repeat("[", 100000, "");
	_cleanup_(json_parser_freep) struct json_parser *p = parser();
	const struct json_value *v;
	struct json_error err;
	cr_assert_eq(json_parse(p, in, strlen(in), &v, &err), -EINVAL);
	cr_assert_str_eq(err.msg, "nested deeper than 32 levels");
	cr_assert_eq(err.offset, JSON_READ_MAX_DEPTH);
}

Test(json_read, length_limit)
{
	/* A string of exactly 1 MiB of JSON is fine; one byte more is not. */
	_cleanup_free_ char *in = malloc(JSON_READ_MAX_LEN + 2);
	_cleanup_(json_parser_freep) struct json_parser *p = parser();
	const struct json_value *v;
	struct json_error err;
	cr_assert_not_null(in);
	in[0] = '"';
	memset(in + 1, 'a', JSON_READ_MAX_LEN - 2);
	in[JSON_READ_MAX_LEN - 1] = '"';
	cr_assert_eq(json_parse(p, in, JSON_READ_MAX_LEN, &v, &err), 0);
	cr_assert_eq(v->type, JSON_STRING);
	cr_assert_eq(v->n, JSON_READ_MAX_LEN - 2);
	in[JSON_READ_MAX_LEN] = ' ';
	cr_assert_eq(json_parse(p, in, JSON_READ_MAX_LEN + 1, &v, &err), -E2BIG);
	cr_assert_str_eq(err.msg, "longer than 1 MiB");
}

Test(json_read, huge_numbers)
{
	/* 500,000 digits: a number (not an exact integer), no overflow anywhere. */
	_cleanup_free_ char *in = repeat("9", 500000, "");
	_cleanup_free_ char *frac = repeat("1", 400000, "e-999999999999999999999");
	_cleanup_(json_parser_freep) struct json_parser *p = parser();
	const struct json_value *v;
	struct json_error err;
	in[0] = '-';
	cr_assert_eq(json_parse(p, in, strlen(in), &v, &err), 0);
	cr_assert_eq(v->type, JSON_NUMBER);
	cr_assert_not(v->is_int);
	cr_assert(v->d < -1e300);
	cr_assert_eq(json_parse(p, frac, strlen(frac), &v, &err), 0);
	cr_assert_not(v->is_int);
	cr_assert_eq(v->d, 0.0);
}

Test(json_read, get_finds_the_last_duplicate)
{
	_cleanup_(json_parser_freep) struct json_parser *p = parser();
	const struct json_value *v;
	struct json_error err;
	const char *in = "{\"a\":1,\"b\":[true],\"a\":\"two\"}";
	cr_assert_eq(json_parse(p, in, strlen(in), &v, &err), 0);
	cr_assert_str_eq(json_get(v, "a")->str, "two");
	cr_assert_eq(json_get(v, "b")->items[0].type, JSON_TRUE);
	cr_assert_null(json_get(v, "c"));
	cr_assert_null(json_get(&json_get(v, "b")->items[0], "a"), "not an object");
	cr_assert_null(json_get(NULL, "a"));
}

Test(json_read, parser_is_reused)
{
	/* A big document, then small ones: each result is whole, the memory is reused. */
	_cleanup_free_ char *big =
		repeat("{\"k\":\"vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\"},", 15000, "0]");
	_cleanup_(json_parser_freep) struct json_parser *p = parser();
	const struct json_value *v;
	struct json_error err;
	char *wrapped = malloc(strlen(big) + 2);
	cr_assert_not_null(wrapped);
	wrapped[0] = '[';
	strcpy(wrapped + 1, big);
	int r = json_parse(p, wrapped, strlen(wrapped), &v, &err);
	cr_assert_eq(r, 0, "error %d at %zu: %s", r, err.offset, err.msg);
	cr_assert_eq(v->n, 15001);
	cr_assert_str_eq(json_get(&v->items[14999], "k")->str,
			 "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv");
	free(wrapped);
	for (int i = 0; i < 1000; i++) {
		char in[64];
		snprintf(in, sizeof(in), "{\"seq\":%d,\"a\":[%d,{\"b\":\"x\"}]}", i, i);
		cr_assert_eq(json_parse(p, in, strlen(in), &v, &err), 0);
		cr_assert_eq(json_get(v, "seq")->i, i);
		cr_assert_str_eq(json_get(&json_get(v, "a")->items[1], "b")->str, "x");
	}
	/* An error leaves the parser usable. */
	cr_assert_eq(json_parse(p, "[1,{\"a\":[2,", 11, &v, &err), -EINVAL);
	cr_assert_eq(json_parse(p, "[3]", 3, &v, &err), 0);
	cr_assert_eq(v->items[0].i, 3);
}

struct utf8_case {
	const char *s;
	size_t len;
};

Test(json_read, utf8_len)
{
	static const struct utf8_case cases[] = {
		{ "a", 1 },
		{ "\x7f", 1 },
		{ "\xc2\x80", 2 },
		{ "\xdf\xbf", 2 },
		{ "\xe0\xa0\x80", 3 },
		{ "\xef\xbf\xbf", 3 },
		{ "\xf0\x90\x80\x80", 4 },
		{ "\xf4\x8f\xbf\xbf", 4 },
		{ "\x80", 0 },
		{ "\xc0\x80", 0 },
		{ "\xc1\xbf", 0 },
		{ "\xe0\x80\x80", 0 },
		{ "\xed\xa0\x80", 0 },
		{ "\xf4\x90\x80\x80", 0 },
		{ "\xf8\x88\x80\x80\x80", 0 },
		{ "\xc3", 0 },
		{ "\xe2\x82", 0 },
		{ "\xc3\x28", 0 },
		{ "\xff", 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const unsigned char *s = (const unsigned char *)cases[i].s;
		cr_assert_eq(json_utf8_len(s, strlen(cases[i].s)), cases[i].len, "case %zu", i);
	}
}

Test(json_read, mutated_inputs_do_not_crash, .timeout = 60)
{
	/* Every single-byte change and every cut of a real audit line: parsed or refused, never a crash. */
	static const char line[] =
		"{\"ts\":\"2026-11-23T14:02:11.123456Z\",\"session\":\"5f0c2a9e7b1d4c38\",\"seq\":"
		"2,"
		"\"action\":\"open\",\"pid\":12,\"argv\":[\"cat\",\".env\"],\"target\":\"/p/"
		"k\\u00ff\","
		"\"rule\":{\"text\":\".env\",\"origin\":\"~/.aigate/config.yaml:3\"},\"n\":-1.5e3,"
		"\"s\":\"\\ud83d\\ude00\",\"summary\":true,\"x\":null}";
	static const char bytes[] = "\"\\{}[]:,0-e.tfnu \xff\x01";
	_cleanup_(json_parser_freep) struct json_parser *p = parser();
	char buf[sizeof(line)];
	const struct json_value *v;
	struct json_error err;
	for (size_t at = 0; at < sizeof(line) - 1; at++) {
		for (size_t b = 0; b < sizeof(bytes) - 1; b++) {
			memcpy(buf, line, sizeof(line));
			buf[at] = bytes[b];
			int r = json_parse(p, buf, sizeof(line) - 1, &v, &err);
			cr_assert(r == 0 || (r == -EINVAL && err.offset <= sizeof(line) - 1));
		}
		cr_assert_eq(json_parse(p, line, at, &v, &err), -EINVAL, "cut at %zu", at);
	}
}
