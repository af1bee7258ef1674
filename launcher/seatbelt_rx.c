// SPDX-License-Identifier: MIT
/*
 * seatbelt_rx.c — deny_read globs as POSIX extended regexes for Seatbelt's
 * (regex …) filters (seatbelt.h has the translation table). The regex must
 * match exactly the paths pathmatch.c matches, byte for byte;
 * tests/unit/test_seatbelt.c runs every translation through regcomp() to
 * hold it to that. Where a class cannot be written exactly (non-ASCII or
 * control bytes) it is widened, never narrowed: these regexes only deny.
 *
 * Metacharacters are written as one-byte brackets ("[.]") rather than
 * with a backslash: the SBPL string they go into would double every
 * backslash, and a bracket reads the same in every POSIX engine.
 */
#include "launcher/seatbelt_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void rx_add(struct seatbelt_rx *x, const char *s, size_t n)
{
	if (x->err)
		return;
	if (x->len + n + 1 > x->cap) {
		x->err = -ENAMETOOLONG;
		return;
	}
	memcpy(x->buf + x->len, s, n);
	x->len += n;
	x->buf[x->len] = '\0';
}

void seatbelt_rx_puts(struct seatbelt_rx *x, const char *s)
{
	rx_add(x, s, strlen(s));
}

static bool is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_lower(unsigned char c)
{
	return c >= 'a' && c <= 'z';
}

static unsigned char other_case(unsigned char c)
{
	return is_upper(c) ? (unsigned char)(c + 32) : is_lower(c) ? (unsigned char)(c - 32) : c;
}

/* One byte as itself, outside a bracket expression. */
static void rx_literal_byte(struct seatbelt_rx *x, unsigned char c)
{
	char tmp[8];

	if (x->fold && other_case(c) != c) {
		snprintf(tmp, sizeof(tmp), "[%c%c]", c, other_case(c));
		seatbelt_rx_puts(x, tmp);
		return;
	}
	if (c != '\0' && strchr(".[()*+?{}|$", c)) {
		/* A bracket of one: no backslash for the SBPL string to double. */
		snprintf(tmp, sizeof(tmp), "[%c]", c);
		seatbelt_rx_puts(x, tmp);
	} else if (c == '^' || c == '\\') {
		snprintf(tmp, sizeof(tmp), "\\%c", c);
		seatbelt_rx_puts(x, tmp);
	} else if (c == ']') {
		seatbelt_rx_puts(x, "[]]"); /* a leading ']' is a member, in every POSIX engine */
	} else {
		rx_add(x, (const char *)&c, 1);
	}
}

void seatbelt_rx_literal(struct seatbelt_rx *x, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rx_literal_byte(x, (unsigned char)s[i]);
}

/* A set of bytes: what one glob class position may match. */
struct byteset {
	uint64_t w[4];
};

static void bs_set(struct byteset *s, unsigned c)
{
	s->w[c >> 6] |= 1ull << (c & 63);
}

static bool bs_has(const struct byteset *s, unsigned c)
{
	return s->w[c >> 6] >> (c & 63) & 1;
}

static unsigned bs_count(const struct byteset *s)
{
	unsigned n = 0;
	for (unsigned c = 0; c < 256; c++)
		n += bs_has(s, c);
	return n;
}

/* Printable ASCII: the only bytes written inside a bracket expression. */
static bool bracket_safe(unsigned c)
{
	return c >= 0x20 && c < 0x7f;
}

/* Members with a meaning of their own inside a bracket: written apart. */
static bool bracket_special(unsigned c)
{
	return c == ']' || c == '^' || c == '-' || c == '\\' || c == '[';
}

static bool same_block(unsigned a, unsigned b)
{
	return (a >= '0' && b <= '9') || (a >= 'A' && b <= 'Z') || (a >= 'a' && b <= 'z');
}

/*
 * The members of @s for which @want(c) holds, in byte order, runs of
 * digits or letters as ranges ("a-z"): never a range across punctuation,
 * whose order some engines take from the locale.
 */
static void rx_bracket_members(struct seatbelt_rx *x, const struct byteset *s,
			       bool (*want)(unsigned))
{
	for (unsigned c = 1; c < 256; c++) {
		if (!bs_has(s, c) || !want(c))
			continue;
		unsigned e = c;
		while (e + 1 < 256 && bs_has(s, e + 1) && want(e + 1) && same_block(c, e + 1))
			e++;
		char tmp[4] = { (char)c, 0, 0, 0 };
		if (e >= c + 2) {
			tmp[1] = '-';
			tmp[2] = (char)e;
		} else if (e == c + 1) {
			tmp[1] = (char)e;
		}
		seatbelt_rx_puts(x, tmp);
		c = e;
	}
}

static bool want_plain(unsigned c)
{
	return bracket_safe(c) && !bracket_special(c);
}

static bool want_negated(unsigned c)
{
	/* '/' and ']' are placed first by the caller, '-' last; '\' is left out (see below). */
	return bracket_safe(c) && c != '/' && c != ']' && c != '-' && c != '\\';
}

/*
 * Write the class @s (never '/', never NUL). Printable ASCII sets of at
 * most half the bytes are written as they are: "[a-c]", or with the bytes
 * that are special in a bracket as alternatives, "([ab]|\^|-)". Any other
 * set is written negated, listing the printable bytes it leaves out: a
 * control, non-ASCII or '\' byte left out of that list is matched too, so
 * such a class can only match more (a deny denies more), never less. The
 * first byte of a UTF-8 sequence alone inside a bracket would be half a
 * character to an engine that reads UTF-8.
 */
static void rx_class(struct seatbelt_rx *x, const struct byteset *s)
{
	unsigned n = bs_count(s), c, plain = 0, special = 0, wide = 0;

	for (c = 1; c < 256; c++) {
		if (!bs_has(s, c))
			continue;
		if (!bracket_safe(c))
			wide++;
		else if (bracket_special(c))
			special++;
		else
			plain++;
	}
	if (n == 0) {
		/* Matches no byte, so the pattern matches nothing, as pathmatch says. */
		seatbelt_rx_puts(x, "//");
		return;
	}
	if (n == 1 && !wide) {
		for (c = 1; !bs_has(s, c); c++)
			;
		bool fold = x->fold;
		x->fold = false;
		rx_literal_byte(x, (unsigned char)c);
		x->fold = fold;
		return;
	}
	if (!wide && n <= 128) {
		bool first = true;
		if (special)
			seatbelt_rx_puts(x, "(");
		if (plain) {
			seatbelt_rx_puts(x, "[");
			rx_bracket_members(x, s, want_plain);
			seatbelt_rx_puts(x, "]");
			first = false;
		}
		for (c = 1; c < 256; c++) {
			if (!bs_has(s, c) || !bracket_special(c))
				continue;
			if (!first)
				seatbelt_rx_puts(x, "|");
			first = false;
			rx_literal_byte(x, (unsigned char)c); /* never a letter: fold is moot */
		}
		if (special)
			seatbelt_rx_puts(x, ")");
		return;
	}
	struct byteset out = { { 0 } };
	for (c = 1; c < 256; c++)
		if (!bs_has(s, c))
			bs_set(&out, c);
	seatbelt_rx_puts(x, "[^");
	if (bs_has(&out, ']'))
		seatbelt_rx_puts(x, "]");
	seatbelt_rx_puts(x, "/");
	rx_bracket_members(x, &out, want_negated);
	if (bs_has(&out, '-'))
		seatbelt_rx_puts(x, "-");
	seatbelt_rx_puts(x, "]");
}

/*
 * Parse the class at @g[*@pi] (on the '['), exactly as pathmatch.c's
 * match_class() reads it, into a byte set; leave *@pi on the closing ']'.
 */
static int parse_class(const char *g, size_t len, size_t *pi, bool fold, struct byteset *ret)
{
	struct byteset s = { { 0 } };
	size_t p = *pi + 1;
	bool negated = false;
	int prev = -1;

	if (p < len && (g[p] == '!' || g[p] == '^')) {
		negated = true;
		p++;
	}
	for (bool first = true; p < len && (first || g[p] != ']'); p++, first = false) {
		unsigned char c = (unsigned char)g[p];
		if (c == '\\') {
			if (++p == len)
				return -EINVAL;
			c = (unsigned char)g[p];
		} else if (c == '-' && prev >= 0 && p + 1 < len && g[p + 1] != ']') {
			unsigned char hi = (unsigned char)g[++p];
			if (hi == '\\') {
				if (++p == len)
					return -EINVAL;
				hi = (unsigned char)g[p];
			}
			for (unsigned b = (unsigned)prev; b <= hi; b++)
				bs_set(&s, b);
			prev = -1;
			continue;
		}
		bs_set(&s, c);
		prev = c;
	}
	if (p >= len)
		return -EINVAL;
	if (negated)
		for (unsigned i = 0; i < 4; i++)
			s.w[i] = ~s.w[i];
	/* A class never matches '/' (pathmatch.c), and paths hold no NUL. */
	s.w[0] &= ~(1ull << '/' | 1ull);
	if (fold)
		for (unsigned c = 'A'; c <= 'z'; c++)
			if (bs_has(&s, c) && other_case((unsigned char)c) != c)
				bs_set(&s, other_case((unsigned char)c));
	*pi = p;
	*ret = s;
	return 0;
}

int seatbelt_rx_glob(struct seatbelt_rx *x, const char *g, size_t len)
{
	for (size_t i = 0; i < len && !x->err; i++) {
		unsigned char c = (unsigned char)g[i];
		struct byteset set;
		int r;

		switch (c) {
		case '*': {
			size_t j = i;
			while (j < len && g[j] == '*')
				j++;
			bool starts = i == 0 || g[i - 1] == '/';
			bool ends = j == len || g[j] == '/';
			/* "**" is special only as a whole component (pathmatch.c); else it is '*'. */
			if (j - i >= 2 && starts && ends) {
				if (j == len) {
					seatbelt_rx_puts(x, ".*");
				} else {
					seatbelt_rx_puts(x, "(.*/)?");
					j++; /* the group ends in that '/' */
				}
			} else {
				seatbelt_rx_puts(x, "[^/]*");
			}
			i = j - 1;
			break;
		}
		case '?':
			seatbelt_rx_puts(x, "[^/]");
			break;
		case '[':
			if ((r = parse_class(g, len, &i, x->fold, &set)) < 0)
				return r;
			rx_class(x, &set);
			break;
		case '\\':
			if (++i == len)
				return -EINVAL;
			rx_literal_byte(x, (unsigned char)g[i]);
			break;
		default:
			rx_literal_byte(x, c);
			break;
		}
	}
	return x->err;
}

int seatbelt_glob_regex(const char *glob, size_t len, bool fold, char *buf, size_t bufsz)
{
	struct seatbelt_rx x = { .buf = buf, .cap = bufsz, .fold = fold };

	if (!glob || !buf || bufsz == 0)
		return -EINVAL;
	buf[0] = '\0';
	int r = seatbelt_rx_glob(&x, glob, len);
	return r < 0 ? r : (int)x.len;
}

/* "^BASE/" for a rule anchored at @base ("^/" when it is the root itself). */
void seatbelt_rx_base(struct seatbelt_rx *x, const char *base)
{
	seatbelt_rx_puts(x, "^");
	if (strcmp(base, "/") != 0)
		seatbelt_rx_literal(x, base, strlen(base));
	seatbelt_rx_puts(x, "/");
}

int seatbelt_rule_regex(const struct pathmatch_rule *r, const char *home, const char *root,
			bool fold, char *buf, size_t bufsz)
{
	struct seatbelt_rx x = { .buf = buf, .cap = bufsz, .fold = fold };

	if (!r || !home || !root || !buf || bufsz == 0 || home[0] != '/' || root[0] != '/')
		return -EINVAL;
	buf[0] = '\0';
	switch (r->anchor) {
	case PATHMATCH_ABSOLUTE:
		seatbelt_rx_puts(&x, "^");
		break;
	case PATHMATCH_HOME:
		if (r->glob_len == 0) { /* "~": the home itself */
			seatbelt_rx_puts(&x, "^");
			seatbelt_rx_literal(&x, home, strlen(home));
			return x.err < 0 ? x.err : (int)x.len;
		}
		seatbelt_rx_base(&x, home);
		break;
	case PATHMATCH_ROOT:
		seatbelt_rx_base(&x, root);
		break;
	case PATHMATCH_BASENAME:
		/* A name at any depth strictly below the root. */
		seatbelt_rx_base(&x, root);
		seatbelt_rx_puts(&x, "(.*/)?");
		break;
	default:
		return -EINVAL;
	}
	int e = seatbelt_rx_glob(&x, r->glob, r->glob_len);
	return e < 0 ? e : (int)x.len;
}

size_t seatbelt_glob_component_end(const char *g, size_t len, size_t i)
{
	for (; i < len && g[i] != '/'; i++) {
		struct byteset unused;
		if (g[i] == '\\')
			i++; /* an escaped byte, even '/', separates nothing */
		else if (g[i] == '[' && parse_class(g, len, &i, false, &unused) < 0)
			return len; /* a class never matches '/' */
	}
	return i < len ? i : len;
}
