/* SPDX-License-Identifier: MIT */
/*
 * json_read.c — see json_read.h. A recursive-descent parser whose depth is
 * capped at JSON_READ_MAX_DEPTH, so hostile nesting cannot exhaust the
 * stack. Decoded strings and finished arrays/objects live in an arena that
 * the next parse reuses; children being collected wait on two scratch
 * stacks (values, members) shared by every nesting level, so a document
 * costs no allocation at all once the parser has warmed up.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "launcher/json_read.h"

#define ARENA_BLOCK ((size_t)64 * 1024)

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	max_align_t data[];
};

struct json_parser {
	struct arena_block *head; /* newest first; the last one is kept across parses */
	struct json_value *vals;  /* scratch: items of the arrays being parsed */
	size_t nvals, capvals;
	struct json_member *mems; /* scratch: members of the objects being parsed */
	size_t nmems, capmems;
	/* The document being parsed. */
	const char *s;
	size_t len, pos;
	struct json_error *err;
};

static struct arena_block *block_new(size_t cap)
{
	struct arena_block *b = malloc(sizeof(*b) + cap);
	if (!b)
		return NULL;
	b->next = NULL;
	b->used = 0;
	b->cap = cap;
	return b;
}

int json_parser_new(struct json_parser **ret)
{
	struct json_parser *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->head = block_new(ARENA_BLOCK);
	if (!p->head) {
		free(p);
		return -ENOMEM;
	}
	*ret = p;
	return 0;
}

void json_parser_free(struct json_parser *p)
{
	if (!p)
		return;
	while (p->head) {
		struct arena_block *b = p->head;
		p->head = b->next;
		free(b);
	}
	free(p->vals);
	free(p->mems);
	free(p);
}

/* Forget the previous document: keep the first block, free the rest. */
static void arena_reset(struct json_parser *p)
{
	while (p->head->next) {
		struct arena_block *b = p->head;
		p->head = b->next;
		free(b);
	}
	p->head->used = 0;
}

static void *arena_alloc(struct json_parser *p, size_t size)
{
	const size_t align = sizeof(max_align_t);
	size = (size + align - 1) / align * align;
	if (p->head->cap - p->head->used < size) {
		struct arena_block *b = block_new(size > ARENA_BLOCK ? size : ARENA_BLOCK);
		if (!b)
			return NULL;
		b->next = p->head;
		p->head = b;
	}
	void *r = (char *)p->head->data + p->head->used;
	p->head->used += size;
	return r;
}

static int fail(struct json_parser *p, size_t at, const char *msg)
{
	p->err->offset = at;
	p->err->msg = msg;
	return -EINVAL;
}

static int oom(struct json_parser *p)
{
	p->err->offset = p->pos;
	p->err->msg = "out of memory";
	return -ENOMEM;
}

/* Grow a scratch stack (doubling) so it holds one more element of @size. */
static int stack_reserve(void **stack, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 64;
	void *s = realloc(*stack, ncap * size);
	if (!s)
		return -ENOMEM;
	*stack = s;
	*cap = ncap;
	return 0;
}

static void skip_ws(struct json_parser *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

size_t json_utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp, min;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, min = 0x80, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, min = 0x800, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, min = 0x10000, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static int hex4(const char *s, uint32_t *ret)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	*ret = v;
	return 0;
}

static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* \uXXXX (and its low surrogate) at p->pos (the backslash), before @end; appends to @out. */
static int decode_u_escape(struct json_parser *p, size_t end, char *out, size_t *o)
{
	size_t at = p->pos;
	uint32_t cp, lo;
	if (at + 6 > end || hex4(p->s + at + 2, &cp) < 0)
		return fail(p, at, "invalid \\u escape");
	p->pos += 6;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(p, at, "unpaired surrogate in a \\u escape");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (p->pos + 6 > end || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u' ||
		    hex4(p->s + p->pos + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
			return fail(p, at, "unpaired surrogate in a \\u escape");
		p->pos += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp == 0)
		return fail(p, at, "\\u0000 in a string");
	if (cp >= 0x80 && cp <= 0xff) {
		/* The audit writer's escape for a byte that is not valid UTF-8. */
		out[(*o)++] = (char)cp;
		return 0;
	}
	*o += put_utf8(out + *o, cp);
	return 0;
}

static int decode_escape(struct json_parser *p, size_t end, char *out, size_t *o)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	char c = p->s[p->pos + 1];
	if (c == 'u')
		return decode_u_escape(p, end, out, o);
	const char *k = c ? strchr(from, c) : NULL;
	if (!k)
		return fail(p, p->pos, "invalid escape in a string");
	out[(*o)++] = to[k - from];
	p->pos += 2;
	return 0;
}

/* A string at p->pos (the opening quote), decoded into the arena. */
static int parse_string(struct json_parser *p, const char **ret, size_t *ret_len)
{
	size_t start = p->pos + 1, end = start;
	bool plain = true; /* printable ASCII only, no escapes: copied as it is */
	/* Find the closing quote first: the decoded text is never longer than the raw. */
	while (end < p->len && p->s[end] != '"') {
		const unsigned char c = (unsigned char)p->s[end];
		plain = plain && c >= 0x20 && c < 0x80 && c != '\\';
		end += c == '\\' ? 2 : 1;
	}
	if (end >= p->len)
		return fail(p, p->len, "unexpected end of input in a string");
	char *out = arena_alloc(p, end - start + 1);
	if (!out)
		return oom(p);
	size_t o = 0;
	int r;
	p->pos = start;
	if (plain) {
		memcpy(out, p->s + start, end - start);
		o = end - start;
		p->pos = end;
	}
	while (p->pos < end) {
		const unsigned char c = (unsigned char)p->s[p->pos];
		if (c == '\\') {
			if ((r = decode_escape(p, end, out, &o)) < 0)
				return r;
		} else if (c < 0x20) {
			return fail(p, p->pos, "control character in a string");
		} else {
			size_t l =
				json_utf8_len((const unsigned char *)p->s + p->pos, end - p->pos);
			if (!l)
				return fail(p, p->pos, "invalid UTF-8 in a string");
			memcpy(out + o, p->s + p->pos, l);
			o += l;
			p->pos += l;
		}
	}
	out[o] = 0;
	p->pos = end + 1;
	*ret = out;
	*ret_len = o;
	return 0;
}

static bool is_digit(struct json_parser *p)
{
	return p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9';
}

static int skip_digits(struct json_parser *p, size_t at)
{
	if (!is_digit(p))
		return fail(p, at, "invalid number");
	while (is_digit(p))
		p->pos++;
	return 0;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int parse_number(struct json_parser *p, struct json_value *v)
{
	size_t start = p->pos;
	bool neg = p->s[p->pos] == '-';
	int64_t i = 0;
	p->pos += neg;
	v->type = JSON_NUMBER;
	v->is_int = true;
	if (p->pos < p->len && p->s[p->pos] == '0')
		p->pos++;
	else if (skip_digits(p, start) < 0)
		return -EINVAL;
	/* Exact int64 arithmetic, negated as it goes so INT64_MIN fits. */
	for (size_t k = start + neg; k < p->pos && v->is_int; k++) {
		int dgt = p->s[k] - '0';
		if (i < (INT64_MIN + dgt) / 10)
			v->is_int = false;
		else
			i = i * 10 - dgt;
	}
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		v->is_int = false;
		if (skip_digits(p, start) < 0)
			return -EINVAL;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		v->is_int = false;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (skip_digits(p, start) < 0)
			return -EINVAL;
	}
	if (v->is_int && !neg && i == INT64_MIN)
		v->is_int = false;
	if (v->is_int) {
		v->i = neg ? i : -i;
		v->d = (double)v->i;
		return 0;
	}
	/* strtod needs a terminated copy; aigate never calls setlocale, so '.' is the point. */
	char *copy = arena_alloc(p, p->pos - start + 1);
	if (!copy)
		return oom(p);
	memcpy(copy, p->s + start, p->pos - start);
	copy[p->pos - start] = 0;
	v->d = strtod(copy, NULL);
	return 0;
}

static int parse_literal(struct json_parser *p, struct json_value *v)
{
	static const struct {
		const char *word;
		enum json_type type;
	} words[] = { { "true", JSON_TRUE }, { "false", JSON_FALSE }, { "null", JSON_NULL } };
	for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
		size_t n = strlen(words[k].word);
		if (p->len - p->pos >= n && memcmp(p->s + p->pos, words[k].word, n) == 0) {
			v->type = words[k].type;
			p->pos += n;
			return 0;
		}
	}
	return fail(p, p->pos, "invalid value");
}

static int parse_value(struct json_parser *p, unsigned depth, struct json_value *v);

/* After an item or member: ',' (more follow) or @close (done: returns 1). */
static int next_or_close(struct json_parser *p, char close, const char *msg)
{
	skip_ws(p);
	if (p->pos >= p->len)
		return fail(p, p->len, "unexpected end of input");
	if (p->s[p->pos] == ',') {
		p->pos++;
		return 0;
	}
	if (p->s[p->pos] == close) {
		p->pos++;
		return 1;
	}
	return fail(p, p->pos, msg);
}

/* '[' or '{' at p->pos: the items up to @close, each parsed and pushed on its scratch stack by @item. */
static int parse_items(struct json_parser *p, unsigned depth, char close, const char *msg,
		       int (*item)(struct json_parser *, unsigned))
{
	int r;
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		return 0;
	}
	do {
		if ((r = item(p, depth)) < 0)
			return r;
	} while ((r = next_or_close(p, close, msg)) == 0);
	return r < 0 ? r : 0;
}

/* @n elements of @size from a scratch stack into the arena; NULL when there are none. */
static int arena_move(struct json_parser *p, const void *from, size_t n, size_t size,
		      const void **ret)
{
	void *to = NULL;
	if (n) {
		if (!(to = arena_alloc(p, n * size)))
			return oom(p);
		memcpy(to, from, n * size);
	}
	*ret = to;
	return 0;
}

/* depth counts the containers around the item's container. */
static int push_item(struct json_parser *p, unsigned depth)
{
	struct json_value item;
	int r = parse_value(p, depth + 1, &item);
	if (r < 0)
		return r;
	if (stack_reserve((void **)&p->vals, &p->capvals, p->nvals, sizeof(item)) < 0)
		return oom(p);
	p->vals[p->nvals++] = item;
	return 0;
}

static int push_member(struct json_parser *p, unsigned depth)
{
	struct json_member m;
	int r;
	skip_ws(p);
	if (p->pos >= p->len)
		return fail(p, p->len, "unexpected end of input");
	if (p->s[p->pos] != '"')
		return fail(p, p->pos, "expected a string key in an object");
	if ((r = parse_string(p, &m.key, &m.key_len)) < 0)
		return r;
	skip_ws(p);
	if (p->pos >= p->len)
		return fail(p, p->len, "unexpected end of input");
	if (p->s[p->pos] != ':')
		return fail(p, p->pos, "expected ':' after an object key");
	p->pos++;
	if ((r = parse_value(p, depth + 1, &m.value)) < 0)
		return r;
	if (stack_reserve((void **)&p->mems, &p->capmems, p->nmems, sizeof(m)) < 0)
		return oom(p);
	p->mems[p->nmems++] = m;
	return 0;
}

static int parse_array(struct json_parser *p, unsigned depth, struct json_value *v)
{
	size_t base = p->nvals;
	const void *items = NULL;
	int r = parse_items(p, depth, ']', "expected ',' or ']' in an array", push_item);
	size_t n = p->nvals - base;
	if (r == 0 && (r = arena_move(p, n ? p->vals + base : NULL, n, sizeof(*v), &items)) == 0) {
		v->type = JSON_ARRAY;
		v->n = n;
		v->items = items;
	}
	p->nvals = base;
	return r;
}

static int parse_object(struct json_parser *p, unsigned depth, struct json_value *v)
{
	size_t base = p->nmems;
	const void *members = NULL;
	int r = parse_items(p, depth, '}', "expected ',' or '}' in an object", push_member);
	size_t n = p->nmems - base;
	if (r == 0 &&
	    (r = arena_move(p, n ? p->mems + base : NULL, n, sizeof(*p->mems), &members)) == 0) {
		v->type = JSON_OBJECT;
		v->n = n;
		v->members = members;
	}
	p->nmems = base;
	return r;
}

static int parse_value(struct json_parser *p, unsigned depth, struct json_value *v)
{
	memset(v, 0, sizeof(*v));
	skip_ws(p);
	if (p->pos >= p->len)
		return fail(p, p->len, "unexpected end of input");
	char c = p->s[p->pos];
	if ((c == '[' || c == '{') && depth >= JSON_READ_MAX_DEPTH)
		return fail(p, p->pos, "nested deeper than 32 levels");
	switch (c) {
	case '[':
		return parse_array(p, depth, v);
	case '{':
		return parse_object(p, depth, v);
	case '"':
		v->type = JSON_STRING;
		return parse_string(p, &v->str, &v->n);
	case '-':
	case '0' ... '9':
		return parse_number(p, v);
	default:
		return parse_literal(p, v);
	}
}

int json_parse(struct json_parser *p, const char *text, size_t len, const struct json_value **ret,
	       struct json_error *err)
{
	struct json_value *v;
	int r;
	if (len > JSON_READ_MAX_LEN) {
		err->offset = JSON_READ_MAX_LEN;
		err->msg = "longer than 1 MiB";
		return -E2BIG;
	}
	arena_reset(p);
	p->nvals = p->nmems = 0;
	p->s = text;
	p->len = len;
	p->pos = 0;
	p->err = err;
	if (!(v = arena_alloc(p, sizeof(*v))))
		return oom(p);
	if ((r = parse_value(p, 0, v)) < 0)
		return r;
	skip_ws(p);
	if (p->pos != len)
		return fail(p, p->pos, "trailing characters after the value");
	*ret = v;
	return 0;
}

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t k = obj->n; k-- > 0;)
		if (strcmp(obj->members[k].key, key) == 0)
			return &obj->members[k].value;
	return NULL;
}
