// SPDX-License-Identifier: MIT
/*
 * pathmatch.c — lexical path normalisation and deny_read / allow_write
 * pattern matching (see pathmatch.h for the semantics).
 *
 * Everything here compares bytes: no fnmatch(), no <ctype.h>, no locale, no
 * allocation, no system calls. The shim calls pathmatch_rule_matches() on
 * every open(), possibly between fork() and exec().
 *
 * Decision on "x/" "**": as in gitignore it matches everything inside x but
 * not x itself (a "**" after a '/' needs that '/' in the text). Write "x/"
 * or "x" to hide the directory itself too.
 */
#include "policy/pathmatch.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

/* ---- normalisation ---------------------------------------------------- */

struct norm_state {
	size_t skip; /* ".." components still to apply to what lies left */
	size_t len;  /* counting: bytes so far; writing: next write end */
};

/*
 * Walk the components of @s from right to left. A ".." cancels the next
 * kept component to its left; leftover ".." at the start are dropped (never
 * above "/"). With @out NULL only count the output length, otherwise write
 * each kept "/component" so that it ends at st->len. Walking backwards lets
 * us size the result exactly before writing it, so the length check is on
 * the real output, not on an intermediate state.
 */
static void norm_scan(const char *s, size_t n, struct norm_state *st, char *out)
{
	size_t end = n;

	while (end > 0) {
		size_t start, clen;

		while (end > 0 && s[end - 1] == '/')
			end--;
		start = end;
		while (start > 0 && s[start - 1] != '/')
			start--;
		clen = end - start;
		if (clen == 0)
			break;
		end = start;
		if (clen == 1 && s[start] == '.')
			continue;
		if (clen == 2 && s[start] == '.' && s[start + 1] == '.') {
			st->skip++;
			continue;
		}
		if (st->skip > 0) {
			st->skip--;
			continue;
		}
		if (out) {
			st->len -= clen;
			memcpy(out + st->len, s + start, clen);
			out[--st->len] = '/';
		} else {
			st->len += clen + 1;
		}
	}
}

static bool overlaps(const char *a, size_t alen, const char *b, size_t blen)
{
	uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;

	return pa < pb + blen && pb < pa + alen;
}

/* Normalise the path @head + "/" + @tail (@tail may be NULL: just @head). */
static int norm_join(const char *head, size_t hlen, const char *tail, size_t tlen, char *out,
		     size_t outsz)
{
	struct norm_state st = { 0, 0 };
	size_t total;

	if (!out || outsz == 0)
		return -EINVAL;
	/* Writing right to left over our own input would corrupt it. */
	if (overlaps(out, outsz, head, hlen + 1) || (tail && overlaps(out, outsz, tail, tlen + 1)))
		return -EINVAL;

	/* Components never straddle head and tail: a '/' separates them. */
	if (tail)
		norm_scan(tail, tlen, &st, NULL);
	norm_scan(head, hlen, &st, NULL);
	total = st.len;
	if (total == 0) {
		if (outsz < 2)
			return -ENAMETOOLONG;
		out[0] = '/';
		out[1] = '\0';
		return 1;
	}
	/* Never truncate: a shortened path could match a different rule. */
	if (total + 1 > outsz || total >= PATHMATCH_PATH_MAX)
		return -ENAMETOOLONG;

	st.skip = 0;
	st.len = total;
	if (tail)
		norm_scan(tail, tlen, &st, out);
	norm_scan(head, hlen, &st, out);
	out[total] = '\0';
	return (int)total;
}

int pathmatch_normalize(const char *in, char *out, size_t outsz)
{
	size_t n;

	/* A relative path has no meaning without a base: refuse to guess one. */
	if (!in || in[0] != '/')
		return -EINVAL;
	n = strnlen(in, PATHMATCH_PATH_MAX);
	if (n >= PATHMATCH_PATH_MAX)
		return -ENAMETOOLONG;
	return norm_join(in, n, NULL, 0, out, outsz);
}

int pathmatch_join_normalize(const char *base, const char *rel, char *out, size_t outsz)
{
	size_t blen, rlen;

	if (!rel)
		return -EINVAL;
	if (rel[0] == '/')
		return pathmatch_normalize(rel, out, outsz);
	if (!base || base[0] != '/')
		return -EINVAL;
	blen = strnlen(base, PATHMATCH_PATH_MAX);
	rlen = strnlen(rel, PATHMATCH_PATH_MAX);
	if (blen >= PATHMATCH_PATH_MAX || rlen >= PATHMATCH_PATH_MAX)
		return -ENAMETOOLONG;
	return norm_join(base, blen, rel, rlen, out, outsz);
}

/* ---- glob ------------------------------------------------------------- */

/*
 * The matcher follows git's wildmatch.c: recursion happens only at stars and
 * two abort codes cut off backtracking that cannot succeed, so a pattern
 * like "a*a*a*a*b" against "aaaa…" is polynomial, not exponential.
 */
enum {
	WILD_NOMATCH = 0,
	WILD_MATCH = 1,
	WILD_ABORT_ALL = -1,	     /* no later start of the text can match either */
	WILD_ABORT_TO_STARSTAR = -2, /* a single '*' hit '/': let the enclosing "**" move on */
};

struct wild {
	const unsigned char *pstart, *pend, *tend;
};

static bool is_glob_special(unsigned char c)
{
	return c == '*' || c == '?' || c == '[' || c == '\\';
}

/*
 * Match byte @t against the class starting at *@pp (on the '['). Leaves *@pp
 * on the closing ']'. Returns 1 (member), 0 (not), -1 (unterminated).
 */
static int match_class(const struct wild *w, const unsigned char **pp, unsigned char t)
{
	const unsigned char *p = *pp + 1;
	bool negated = false, matched = false;
	int prev = -1;

	if (p < w->pend && (*p == '!' || *p == '^')) {
		negated = true;
		p++;
	}
	/* The first byte is always a member, so a leading ']' is literal. */
	for (bool first = true; p < w->pend && (first || *p != ']'); p++, first = false) {
		unsigned char c = *p;

		if (c == '\\') {
			if (++p == w->pend)
				return -1;
			c = *p;
		} else if (c == '-' && prev >= 0 && p + 1 < w->pend && p[1] != ']') {
			unsigned char hi = *++p;

			if (hi == '\\') {
				if (++p == w->pend)
					return -1;
				hi = *p;
			}
			/* Byte ranges: unsigned, no collation, same in every locale. */
			if (t >= prev && t <= hi)
				matched = true;
			prev = -1;
			continue;
		}
		if (t == c)
			matched = true;
		prev = c;
	}
	if (p >= w->pend)
		return -1;
	*pp = p;
	/* A class never matches '/': "[!x]" must not cross a component. */
	return matched != negated && t != '/';
}

static int wild_match(const struct wild *w, const unsigned char *p, const unsigned char *t,
		      unsigned int depth);

/* Handle the star(s) at @p against text @t. */
static int match_star(const struct wild *w, const unsigned char *p, const unsigned char *t,
		      unsigned int depth)
{
	/* Does the star run start a component? (p - 1 may lie before the array.) */
	bool at_boundary = p == w->pstart || p[-1] == '/';
	bool match_slash = false;
	int m;

	if (++p < w->pend && *p == '*') {
		while (p < w->pend && *p == '*')
			p++;
		/* "**" is special only as a whole component; "a**b" is just '*'. */
		if (at_boundary && (p == w->pend || *p == '/')) {
			/* "a/" "**" "/b" may match zero components: try "a/b". */
			if (p < w->pend) {
				m = wild_match(w, p + 1, t, depth + 1);
				if (m == WILD_MATCH || m == WILD_ABORT_ALL)
					return m;
			}
			match_slash = true;
		}
	}
	if (p == w->pend) {
		/* Trailing "**" takes everything, a trailing '*' the rest of a component. */
		if (!match_slash && memchr(t, '/', (size_t)(w->tend - t)))
			return WILD_NOMATCH;
		return WILD_MATCH;
	}
	if (!match_slash && *p == '/') {
		/* "*" followed by '/' must end exactly at the next '/'. */
		const unsigned char *slash = memchr(t, '/', (size_t)(w->tend - t));

		if (!slash)
			return WILD_ABORT_ALL;
		return wild_match(w, p + 1, slash + 1, depth + 1);
	}
	for (; t < w->tend; t++) {
		if (!is_glob_special(*p)) {
			/* Skip straight to the next byte equal to the literal after the star. */
			while (t < w->tend && *t != *p && (match_slash || *t != '/'))
				t++;
			if (t == w->tend)
				return WILD_ABORT_ALL;
			if (*t != *p)
				return WILD_ABORT_TO_STARSTAR;
		}
		m = wild_match(w, p, t, depth + 1);
		if (m != WILD_NOMATCH) {
			if (!match_slash || m != WILD_ABORT_TO_STARSTAR)
				return m;
		} else if (!match_slash && *t == '/') {
			return WILD_ABORT_TO_STARSTAR;
		}
	}
	return WILD_ABORT_ALL;
}

static int wild_match(const struct wild *w, const unsigned char *p, const unsigned char *t,
		      unsigned int depth)
{
	/*
	 * Each level consumes at least one star, so a validated pattern never
	 * gets here; an unvalidated one with thousands of stars must not be
	 * able to exhaust the stack of the process the shim runs in.
	 */
	if (depth > PATHMATCH_MAX_STARS)
		return WILD_ABORT_ALL;

	for (; p < w->pend; p++, t++) {
		unsigned char c = *p;
		int m;

		if (t == w->tend && c != '*')
			return WILD_ABORT_ALL;
		switch (c) {
		case '*':
			return match_star(w, p, t, depth);
		case '?':
			/* '?' stays inside one component. */
			if (*t == '/')
				return WILD_NOMATCH;
			break;
		case '[':
			m = match_class(w, &p, *t);
			if (m < 0)
				return WILD_ABORT_ALL;
			if (m == 0)
				return WILD_NOMATCH;
			break;
		case '\\':
			if (++p == w->pend)
				return WILD_ABORT_ALL;
			if (*t != *p)
				return WILD_NOMATCH;
			break;
		default:
			if (*t != c)
				return WILD_NOMATCH;
			break;
		}
	}
	return t == w->tend ? WILD_MATCH : WILD_NOMATCH;
}

bool pathmatch_glob(const char *glob, size_t glob_len, const char *text, size_t text_len)
{
	struct wild w;

	/* NULL + 0 is undefined behaviour: treat NULL as "". */
	glob_len = glob ? glob_len : 0;
	text_len = text ? text_len : 0;
	glob = glob ? glob : "";
	text = text ? text : "";
	w.pstart = (const unsigned char *)glob;
	w.pend = w.pstart + glob_len;
	w.tend = (const unsigned char *)text + text_len;
	return wild_match(&w, w.pstart, (const unsigned char *)text, 0) == WILD_MATCH;
}

static int glob_error(size_t off, const char *reason, size_t *ret_offset, const char **ret_reason)
{
	if (ret_offset)
		*ret_offset = off;
	if (ret_reason)
		*ret_reason = reason;
	return -EINVAL;
}

int pathmatch_glob_validate(const char *glob, size_t len, size_t *ret_offset,
			    const char **ret_reason)
{
	unsigned int stars = 0;
	size_t i;

	if (!glob || len == 0)
		return glob_error(0, "empty pattern", ret_offset, ret_reason);
	/* Caps what the YAML controls: bounds matcher time and buffers. */
	if (len >= PATHMATCH_PATH_MAX)
		return glob_error(PATHMATCH_PATH_MAX - 1, "pattern too long", ret_offset,
				  ret_reason);

	for (i = 0; i < len; i++) {
		if (glob[i] == '\\') {
			if (i + 1 == len)
				return glob_error(i, "trailing '\\' escapes nothing", ret_offset,
						  ret_reason);
			i++;
		} else if (glob[i] == '*') {
			if (++stars > PATHMATCH_MAX_STARS)
				return glob_error(i, "too many '*' (at most 16)", ret_offset,
						  ret_reason);
		} else if (glob[i] == '[') {
			/* Same walk as match_class(): '!'/'^', then a member that may be ']'. */
			size_t j = i + 1;

			if (j < len && (glob[j] == '!' || glob[j] == '^'))
				j++;
			for (bool first = true; j < len && (first || glob[j] != ']');
			     j++, first = false) {
				if (glob[j] == '\\' && ++j == len)
					break;
				if (glob[j] == '\0')
					break;
			}
			if (j >= len)
				return glob_error(i, "unterminated '[' class", ret_offset,
						  ret_reason);
			i = j;
		}
		/* A NUL would end the pattern early in any C string API downstream. */
		if (glob[i] == '\0')
			return glob_error(i, "NUL byte in pattern", ret_offset, ret_reason);
	}
	return 0;
}

/* ---- classification --------------------------------------------------- */

static bool has_dot_component(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *slash = memchr(s + i, '/', len - i);
		size_t end = slash ? (size_t)(slash - s) : len;
		size_t clen = end - i;

		if ((clen == 1 && s[i] == '.') || (clen == 2 && s[i] == '.' && s[i + 1] == '.'))
			return true;
		i = end + 1;
	}
	return false;
}

static int classify_error(const char **ret_reason, const char *reason)
{
	if (ret_reason)
		*ret_reason = reason;
	return -EINVAL;
}

int pathmatch_classify(const char *pattern, struct pathmatch_rule *ret, const char **ret_reason)
{
	struct pathmatch_rule r = { 0 };
	size_t len, blen, off = 0;
	int anchor;

	if (!pattern || !pattern[0])
		return classify_error(ret_reason, "empty pattern");
	len = strnlen(pattern, PATHMATCH_PATH_MAX);
	if (len >= PATHMATCH_PATH_MAX)
		return classify_error(ret_reason, "pattern too long");
	blen = len;
	while (blen > 0 && pattern[blen - 1] == '/')
		blen--;
	/* "/" (or "///") as deny_read would make the sandbox useless. */
	if (blen == 0)
		return classify_error(ret_reason, "would hide the whole file system");

	if (pattern[0] == '~') {
		/* Another user's home is resolved through NSS: not a pure lookup. */
		if (blen > 1 && pattern[1] != '/')
			return classify_error(ret_reason, "~user is not supported");
		anchor = PATHMATCH_HOME;
		off = blen > 1 ? 2 : 1;
	} else if (pattern[0] == '/') {
		anchor = PATHMATCH_ABSOLUTE;
	} else if (blen > 2 && pattern[0] == '.' && pattern[1] == '/') {
		anchor = PATHMATCH_ROOT;
		off = 2;
	} else {
		anchor = memchr(pattern, '/', blen) ? PATHMATCH_ROOT : PATHMATCH_BASENAME;
	}

	/*
	 * Matching runs on normalised paths, which never hold "//", "." or
	 * "..": such a pattern could never match and would silently protect
	 * nothing ("a/../.env" is not how .env is spelt after normalisation).
	 */
	if (memmem(pattern, blen, "//", 2))
		return classify_error(ret_reason, "empty path component ('//') is not allowed");
	if (has_dot_component(pattern + off, blen - off))
		return classify_error(ret_reason, "'.' and '..' components are not allowed");
	if (blen > off && pathmatch_glob_validate(pattern + off, blen - off, NULL, ret_reason) < 0)
		return -EINVAL;

	r.glob = pattern + off;
	r.glob_len = (uint32_t)(blen - off);
	r.anchor = (uint8_t)anchor;
	r.dir_only = blen < len;
	r.literal = true;
	for (size_t i = 0; i < r.glob_len; i++)
		if (is_glob_special((unsigned char)r.glob[i]))
			r.literal = false;
	*ret = r;
	return 0;
}

/* ---- rule matching ---------------------------------------------------- */

/*
 * Is @path equal to or below @base? On success *@ret_off is where the part
 * below base starts (== @len when path is base itself). A component boundary
 * is required so that rules for "/home/alice" do not match "/home/alice2".
 */
bool pathmatch_below(const char *path, size_t len, const char *base, size_t base_len,
		     size_t *ret_off)
{
	if (!base || base_len == 0 || base[0] != '/')
		return false;
	while (base_len > 1 && base[base_len - 1] == '/')
		base_len--;
	if (base_len == 1) {
		*ret_off = 1 < len ? 1 : len;
		return true;
	}
	if (len < base_len || memcmp(path, base, base_len) != 0)
		return false;
	if (len == base_len) {
		*ret_off = len;
		return true;
	}
	if (path[base_len] != '/')
		return false;
	*ret_off = base_len + 1;
	return true;
}

/*
 * Match the rule against every prefix of @text that ends at a component
 * boundary: a rule that matches a directory hides all below it, so
 * "secrets/" "*" also covers "secrets/a/b". Only the whole of @text is subject
 * to dir_only/@is_dir; shorter prefixes are ancestors, hence directories.
 */
static bool match_prefixes(const struct pathmatch_rule *rule, const char *text, size_t len,
			   bool is_dir)
{
	if (rule->literal) {
		if (len < rule->glob_len || memcmp(text, rule->glob, rule->glob_len) != 0)
			return false;
		if (len == rule->glob_len)
			return !rule->dir_only || is_dir;
		return text[rule->glob_len] == '/';
	}
	for (size_t i = 1; i <= len; i++) {
		if (i < len && text[i] != '/')
			continue;
		if (i == len && rule->dir_only && !is_dir)
			break;
		if (pathmatch_glob(rule->glob, rule->glob_len, text, i))
			return true;
	}
	return false;
}

static bool match_one(const struct pathmatch_rule *rule, const char *text, size_t len)
{
	if (rule->literal)
		return len == rule->glob_len && memcmp(text, rule->glob, len) == 0;
	return pathmatch_glob(rule->glob, rule->glob_len, text, len);
}

/* Match a BASENAME rule against each component of @rem. */
static bool match_components(const struct pathmatch_rule *rule, const char *rem, size_t len,
			     bool is_dir)
{
	size_t s = 0;

	while (s < len) {
		const char *slash = memchr(rem + s, '/', len - s);
		size_t e = slash ? (size_t)(slash - rem) : len;

		if (e == len && rule->dir_only && !is_dir)
			return false;
		if (match_one(rule, rem + s, e - s))
			return true;
		s = e + 1;
	}
	return false;
}

bool pathmatch_rule_matches(const struct pathmatch_rule *rule, const struct pathmatch_env *env,
			    const char *path, size_t path_len, bool is_dir)
{
	size_t off;

	if (!rule || !path || path_len == 0 || path[0] != '/')
		return false;

	switch (rule->anchor) {
	case PATHMATCH_ABSOLUTE:
		if (rule->glob_len == 0)
			return false;
		return match_prefixes(rule, path, path_len, is_dir);
	case PATHMATCH_HOME:
		if (!env || !pathmatch_below(path, path_len, env->home, env->home_len, &off))
			return false;
		if (rule->glob_len == 0) {
			/* "~": the home itself (a directory) and everything below. */
			return off < path_len || !rule->dir_only || is_dir;
		}
		return match_prefixes(rule, path + off, path_len - off, is_dir);
	case PATHMATCH_ROOT:
	case PATHMATCH_BASENAME:
		/*
		 * Relative rules apply strictly below the project root: "*.pem"
		 * must not hide /etc/ssl/certs/x.pem (that breaks TLS), and a
		 * rule must not hide the root directory itself.
		 */
		if (!env || !pathmatch_below(path, path_len, env->root, env->root_len, &off) ||
		    off >= path_len || rule->glob_len == 0)
			return false;
		if (rule->anchor == PATHMATCH_ROOT)
			return match_prefixes(rule, path + off, path_len - off, is_dir);
		return match_components(rule, path + off, path_len - off, is_dir);
	default:
		return false;
	}
}
