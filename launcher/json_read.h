/* SPDX-License-Identifier: MIT */
/*
 * json_read.h — a small, strict, bounded JSON reader for aigate's own
 * records (audit lines). RFC 8259 with these choices, each because every
 * consumer handles C strings from a log the sandbox may have influenced
 * (paths hold any byte):
 *   - input longer than JSON_READ_MAX_LEN bytes or nested deeper than
 *     JSON_READ_MAX_DEPTH is refused (recursion is bounded by the depth);
 *   - raw string bytes must be valid UTF-8 and not control characters;
 *   - "\u0080" … "\u00ff" decode to the single raw byte 0x80 … 0xff: the
 *     audit writer escapes each byte of a path that is not valid UTF-8 that
 *     way (docs/audit.md), and valid UTF-8 is always written raw;
 *   - "\u0000" is refused (it would cut a C string short); lone surrogates
 *     are refused;
 *   - duplicate object keys are kept; json_get() finds the last one.
 * Pure: no printing, no global state; all memory belongs to the parser.
 */
#ifndef AIGATE_JSON_READ_H
#define AIGATE_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_READ_MAX_LEN   (1u << 20) /* bytes of one document (one audit line) */
#define JSON_READ_MAX_DEPTH 32	       /* nested arrays and objects */

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_member;

struct json_value {
	enum json_type type;
	bool is_int; /* JSON_NUMBER: no fraction or exponent, and within int64_t (then i is exact) */
	size_t n; /* JSON_STRING: bytes (without the NUL); JSON_ARRAY: items; JSON_OBJECT: members */
	union {
		const char *str; /* NUL-terminated, escapes decoded */
		const struct json_value *items;
		const struct json_member *members;
		int64_t i;
	};
	double d; /* JSON_NUMBER: the value (±HUGE_VAL when out of range) */
};

struct json_member {
	const char *key; /* NUL-terminated, escapes decoded */
	size_t key_len;
	struct json_value value;
};

struct json_error {
	size_t offset;	 /* byte offset of the problem in the input (0-based) */
	const char *msg; /* static text: "unexpected end of input", … */
};

struct json_parser;

/** json_parser_new() - a parser whose memory is reused by each json_parse(). Returns 0 or -ENOMEM. */
int json_parser_new(struct json_parser **ret);

/** json_parser_free() - free @p and every value it returned. NULL is fine. */
void json_parser_free(struct json_parser *p);

static inline void json_parser_freep(struct json_parser **p)
{
	json_parser_free(*p);
}

/**
 * json_parse() - parse @len bytes at @text (no NUL needed) as one JSON
 * value, surrounded by optional whitespace and nothing else. The value
 * (*@ret) stays valid until the next json_parse() on @p or
 * json_parser_free(). Returns 0; -EINVAL for invalid JSON, -E2BIG for an
 * input longer than JSON_READ_MAX_LEN (both fill @err); -ENOMEM.
 */
int json_parse(struct json_parser *p, const char *text, size_t len, const struct json_value **ret,
	       struct json_error *err);

/** json_get() - the value of member @key of object @obj (the last, if repeated); NULL if absent or @obj is no object. */
const struct json_value *json_get(const struct json_value *obj, const char *key);

/**
 * json_utf8_len() - the length (1 … 4) of the valid UTF-8 sequence at @s
 * (at most @n bytes available, @n >= 1), or 0 if it is not valid UTF-8
 * (overlong forms, surrogates and code points above U+10FFFF are invalid).
 */
size_t json_utf8_len(const unsigned char *s, size_t n);

#endif
