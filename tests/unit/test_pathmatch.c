// SPDX-License-Identifier: MIT
/*
 * test_pathmatch.c — table-driven tests for policy/pathmatch.c: every table
 * row is its own Criterion test and names itself in its failure message.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <locale.h>
#include <string.h>

#include "policy/pathmatch.h"
#include "policy/util.h"

/*
 * Criterion copies parameters into shared memory for a re-executed worker,
 * so pointers in a table would dangle: strings live inside each row.
 */
#define STR_MAX 64

/* ---- normalisation ---------------------------------------------------- */

enum gen {
	GEN_NONE,
	GEN_TOO_LONG,	 /* "/" + 4095 bytes: input >= PATHMATCH_PATH_MAX */
	GEN_LONGEST,	 /* "/" + 4094 bytes: the longest accepted input */
	GEN_LONG_DOTDOT, /* ~4000 bytes of "x/../" that collapse to "/" */
};

struct norm_case {
	char name[STR_MAX];
	char in[STR_MAX];
	int gen;
	size_t outsz; /* 0: PATHMATCH_PATH_MAX */
	int ret;      /* length or -errno */
	char out[STR_MAX];
};

static const char *gen_input(int gen)
{
	static char buf[PATHMATCH_PATH_MAX + 16];
	size_t i;

	switch (gen) {
	case GEN_TOO_LONG:
	case GEN_LONGEST:
		buf[0] = '/';
		for (i = 1; i < (gen == GEN_TOO_LONG ? 4096u : 4095u); i++)
			buf[i] = 'a';
		buf[i] = '\0';
		break;
	case GEN_LONG_DOTDOT:
		buf[0] = '/';
		for (i = 1; i + 5 < 4000; i += 5)
			memcpy(buf + i, "x/../", 5);
		buf[i] = '\0';
		break;
	default:
		return NULL;
	}
	return buf;
}

ParameterizedTestParameters(pathmatch_normalize, table)
{
	static struct norm_case cases[] = {
		{ "dup+trailing slashes", "//a///b/", 0, 0, 4, "/a/b" },
		{ "dot component", "/a/./b", 0, 0, 4, "/a/b" },
		{ "dotdot to .env", "/a/../.env", 0, 0, 5, "/.env" },
		{ "dotdot above root", "/../x", 0, 0, 2, "/x" },
		{ "root", "/", 0, 0, 1, "/" },
		{ "only slashes", "///", 0, 0, 1, "/" },
		{ "all dotdot", "/a/b/../../..", 0, 0, 1, "/" },
		{ "dot-slash-slash .env", "/home/u/proj/.//.env", 0, 0, 17, "/home/u/proj/.env" },
		{ "sub/../.env escapes sub", "/home/u/proj/sub/../.env", 0, 0, 17,
		  "/home/u/proj/.env" },
		{ "trailing slash", "/a/b/c/", 0, 0, 6, "/a/b/c" },
		{ "..b is a name", "/a/..b/c", 0, 0, 8, "/a/..b/c" },
		{ "... is a name", "/a/.../b", 0, 0, 8, "/a/.../b" },
		{ "trailing dot", "/.hidden/./x/.", 0, 0, 10, "/.hidden/x" },
		{ "mixed", "/a/b/../../../c/./d//", 0, 0, 4, "/c/d" },
		{ "relative", "relative/x", 0, 0, -EINVAL, "" },
		{ "dot relative", "./.env", 0, 0, -EINVAL, "" },
		{ "empty", "", 0, 0, -EINVAL, "" },
		{ "input too long", "", GEN_TOO_LONG, 0, -ENAMETOOLONG, "" },
		{ "longest input", "", GEN_LONGEST, 0, 4095, "" },
		{ "long input, short result", "", GEN_LONG_DOTDOT, 0, 1, "/" },
		{ "output does not fit", "/abc", 0, 4, -ENAMETOOLONG, "" },
		{ "output just fits", "/abc", 0, 5, 4, "/abc" },
		{ "root needs 2 bytes", "/", 0, 1, -ENAMETOOLONG, "" },
		{ "sized on the result", "/aaaaaaaaaa/../b", 0, 3, 2, "/b" },
	};
	return cr_make_param_array(struct norm_case, cases, ARRAY_SIZE(cases));
}

ParameterizedTest(struct norm_case *c, pathmatch_normalize, table)
{
	char out[PATHMATCH_PATH_MAX];
	const char *in = c->gen ? gen_input(c->gen) : c->in;
	size_t outsz = c->outsz ? c->outsz : sizeof(out);
	int r;

	memset(out, 'Z', sizeof(out));
	r = pathmatch_normalize(in, out, outsz);
	cr_assert_eq(r, c->ret, "%s: returned %d, want %d", c->name, r, c->ret);
	if (r >= 0) {
		cr_assert_eq(strlen(out), (size_t)r, "%s: length %zu != return %d", c->name,
			     strlen(out), r);
		if (c->out[0])
			cr_assert_str_eq(out, c->out, "%s: got \"%s\", want \"%s\"", c->name, out,
					 c->out);
	}
}

struct join_case {
	char name[STR_MAX];
	char base[STR_MAX];
	char rel[STR_MAX];
	int ret;
	char out[STR_MAX];
};

ParameterizedTestParameters(pathmatch_join, table)
{
	static struct join_case cases[] = {
		{ "simple", "/home/u/proj", ".env", 17, "/home/u/proj/.env" },
		{ "dotdot leaves root", "/home/u/proj", "../.env", 12, "/home/u/.env" },
		{ "absolute rel ignores base", "/home/u/proj", "/etc//passwd", 11, "/etc/passwd" },
		{ "messy both sides", "/home/u/proj/", "./a//b/", 16, "/home/u/proj/a/b" },
		{ "base is root", "/", "x", 2, "/x" },
		{ "clamped at root", "/a", "../../../x", 2, "/x" },
		{ "empty rel", "/a", "", 2, "/a" },
		{ "rel cancels itself", "/a", "b/..", 2, "/a" },
		{ "dotdot across the seam", "/a/b", "../../c", 2, "/c" },
		{ "relative base", "relative", "x", -EINVAL, "" },
	};
	return cr_make_param_array(struct join_case, cases, ARRAY_SIZE(cases));
}

ParameterizedTest(struct join_case *c, pathmatch_join, table)
{
	char out[PATHMATCH_PATH_MAX];
	int r = pathmatch_join_normalize(c->base, c->rel, out, sizeof(out));

	cr_assert_eq(r, c->ret, "%s: returned %d, want %d", c->name, r, c->ret);
	if (r >= 0)
		cr_assert_str_eq(out, c->out, "%s: got \"%s\", want \"%s\"", c->name, out, c->out);
}

Test(pathmatch_join, too_long_result)
{
	static char base[PATHMATCH_PATH_MAX], rel[PATHMATCH_PATH_MAX];
	char out[PATHMATCH_PATH_MAX];

	base[0] = '/';
	memset(base + 1, 'b', 3000);
	memset(rel, 'r', 3000);
	cr_assert_eq(pathmatch_join_normalize(base, rel, out, sizeof(out)), -ENAMETOOLONG,
		     "a 6002-byte result must be refused, not truncated");
}

/* ---- glob ------------------------------------------------------------- */

struct glob_case {
	char name[STR_MAX];
	char glob[STR_MAX];
	char text[STR_MAX];
	bool match;
};

ParameterizedTestParameters(pathmatch_glob, table)
{
	static struct glob_case cases[] = {
		{ "literal", "abc", "abc", true },
		{ "literal mismatch", "abc", "abd", false },
		{ "literal, text shorter", "abc", "ab", false },
		{ "literal, text longer", "ab", "abc", false },
		{ "empty glob, empty text", "", "", true },
		{ "empty glob, text", "", "a", false },
		{ "star empty", "*", "", true },
		{ "star run", "*", "abc", true },
		{ "star stops at slash", "*", "a/b", false },
		{ "star suffix", "*.pem", "key.pem", true },
		{ "star suffix mismatch", "*.pem", "key.pem.bak", false },
		{ "star suffix no slash", "*.pem", "dir/key.pem", false },
		{ "star then slash", "*/b", "a/b", true },
		{ "star then slash, too deep", "*/b", "a/c/b", false },
		{ "many stars", "*a*b*c*", "xaybzc", true },
		{ "many stars, wrong order", "*a*b*c*", "xcybza", false },
		{ "question", "a?c", "abc", true },
		{ "question needs a byte", "a?c", "ac", false },
		{ "question not slash", "a?c", "a/c", false },
		{ "class", "[abc]x", "bx", true },
		{ "class mismatch", "[abc]x", "dx", false },
		{ "range", "[a-c]", "b", true },
		{ "range mismatch", "[a-c]", "d", false },
		{ "negated !", "[!a-c]", "d", true },
		{ "negated ! mismatch", "[!a-c]", "b", false },
		{ "negated ^", "[^a-c]", "d", true },
		{ "negated ^ mismatch", "[^a-c]", "a", false },
		{ "negated class not slash", "[!a]", "/", false },
		{ "class with slash not slash", "a[/]b", "a/b", false },
		{ "leading ] literal", "[]a]", "]", true },
		{ "leading ] literal mismatch", "[]a]", "b", false },
		{ "negated leading ]", "[!]a]", "b", true },
		{ "negated leading ] mismatch", "[!]a]", "]", false },
		{ "trailing - literal", "[a-]", "-", true },
		{ "escaped ] in class", "[\\]]", "]", true },
		{ "unterminated class never matches", "[a-c", "a", false },
		{ "escaped star", "\\*", "*", true },
		{ "escaped star is literal", "\\*", "a", false },
		{ "escaped brackets", "\\[x\\]", "[x]", true },
		{ "escaped question", "a\\?", "a?", true },
		{ "escaped question is literal", "a\\?", "ab", false },
		{ "trailing backslash never matches", "ab\\", "ab\\", false },
		{ "globstar all", "**", "a/b/c", true },
		{ "globstar all, empty", "**", "", true },
		{ "leading globstar, zero", "**/x", "x", true },
		{ "leading globstar, one", "**/x", "d/x", true },
		{ "leading globstar, two", "**/x", "d/e/x", true },
		{ "leading globstar whole components", "**/x", "d/ax", false },
		{ "leading globstar needs slash", "**/x", "dx", false },
		{ "middle globstar, zero", "a/**/b", "a/b", true },
		{ "middle globstar, one", "a/**/b", "a/x/b", true },
		{ "middle globstar, two", "a/**/b", "a/x/y/b", true },
		{ "middle globstar partial", "a/**/b", "a/xb", false },
		{ "middle globstar no slash", "a/**/b", "ab", false },
		{ "trailing globstar", "x/**", "x/anything/below", true },
		{ "trailing globstar not x itself", "x/**", "x", false },
		{ "trailing globstar boundary", "x/**", "xy/z", false },
		{ "a**b is a star", "a**b", "aXXb", true },
		{ "a**b no slash", "a**b", "a/b", false },
		{ "globstar then star", "**/x/*.key", "a/b/x/k.key", true },
		{ "globstar then star, zero", "**/x/*.key", "x/k.key", true },
		{ "globstar then star, too deep", "**/x/*.key", "x/sub/k.key", false },
		{ "utf-8 bytes", "\xc3\xa9*", "\xc3\xa9t\xc3\xa9", true },
		{ "high byte range", "[\x80-\xff]", "\xe9", true },
		{ "high byte range mismatch", "[\x80-\xff]", "e", false },
		{ "no case folding", "ABC", "abc", false },
	};
	return cr_make_param_array(struct glob_case, cases, ARRAY_SIZE(cases));
}

ParameterizedTest(struct glob_case *c, pathmatch_glob, table)
{
	bool m = pathmatch_glob(c->glob, strlen(c->glob), c->text, strlen(c->text));

	cr_assert_eq(m, c->match, "%s: \"%s\" vs \"%s\" gave %d, want %d", c->name, c->glob,
		     c->text, m, c->match);
}

Test(pathmatch_glob, length_delimited)
{
	/* Neither string needs a NUL: only the given lengths count. */
	cr_assert(pathmatch_glob("a*XXXX", 2, "abcYYY", 3), "glob and text cut by length");
	cr_assert_not(pathmatch_glob("abc", 3, "abcd", 3 + 1), "text length is honoured");
	cr_assert(pathmatch_glob("a\0b", 3, "a\0b", 3), "embedded NUL compared as a byte");
	cr_assert(pathmatch_glob("*", 1, NULL, 0), "NULL text is empty");
	cr_assert(pathmatch_glob(NULL, 0, NULL, 0), "NULL glob is empty");
	cr_assert_not(pathmatch_glob(NULL, 0, "a", 1), "empty glob, non-empty text");
}

static char long_a[20001];

/* Git's wildmatch design: these finish in microseconds; naive backtracking never does. */
Test(pathmatch_glob, pathological, .timeout = 5)
{
	static char deep[8192];
	size_t i;

	memset(long_a, 'a', sizeof(long_a) - 1);
	cr_assert_not(pathmatch_glob("a*a*a*a*a*a*a*b", 15, long_a, sizeof(long_a) - 1),
		      "a*a*a*a*a*a*a*b vs 20000 a");
	cr_assert_not(
		pathmatch_glob("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", 32, long_a, sizeof(long_a) - 1),
		"16 stars vs 20000 a");
	for (i = 0; i + 2 < sizeof(deep); i += 2)
		memcpy(deep + i, "a/", 2);
	deep[i] = 'a';
	cr_assert_not(pathmatch_glob("**/**/**/**/**/**/**/**/z", 25, deep, i + 1),
		      "8 globstars vs 4096 components");
	cr_assert_not(pathmatch_glob("**/a*/**/a*/**/a*/**/a*/b", 25, deep, i + 1),
		      "globstars and stars vs 4096 components");
	cr_assert(pathmatch_glob("**/a/**/a/**/a/**/a", 19, deep, i + 1),
		  "a match deep in the text is still found");
}

Test(pathmatch_glob, star_limit_is_bounded)
{
	/* Unvalidated patterns with too many stars are refused, not recursed into. */
	char glob[200];

	for (int i = 0; i < 100; i++) {
		glob[2 * i] = '*';
		glob[2 * i + 1] = 'a';
	}
	cr_assert_not(pathmatch_glob(glob, 200, long_a, 100), "100 star groups");
	cr_assert(pathmatch_glob(glob, 2 * PATHMATCH_MAX_STARS, "aaaaaaaaaaaaaaaaaaaa", 20),
		  "16 star groups still work");
}

/* ---- glob validation -------------------------------------------------- */

struct validate_case {
	char name[STR_MAX];
	char glob[STR_MAX];
	int len; /* -1: strlen */
	int ret;
	size_t offset;
	char reason[STR_MAX]; /* substring */
};

ParameterizedTestParameters(pathmatch_validate, table)
{
	static struct validate_case cases[] = {
		{ "plain", "*.pem", -1, 0, 0, "" },
		{ "class ok", "[]a-z!]x", -1, 0, 0, "" },
		{ "escaped backslash ok", "a\\\\", -1, 0, 0, "" },
		{ "16 stars ok", "****************", -1, 0, 0, "" },
		{ "unterminated class", "ab[cd", -1, -EINVAL, 2, "unterminated" },
		{ "[] is unterminated", "[]", -1, -EINVAL, 0, "unterminated" },
		{ "escaped close is unterminated", "[a\\]", -1, -EINVAL, 0, "unterminated" },
		{ "trailing backslash", "ab\\", -1, -EINVAL, 2, "trailing" },
		{ "17 stars", "*****************", -1, -EINVAL, 16, "too many" },
		{ "embedded NUL", "a\0b", 3, -EINVAL, 1, "NUL" },
		{ "escaped NUL", "a\\\0", 3, -EINVAL, 2, "NUL" },
		{ "NUL in class", "[a\0]", 4, -EINVAL, 2, "NUL" },
		{ "empty", "", -1, -EINVAL, 0, "empty" },
		{ "too long", "x", PATHMATCH_PATH_MAX, -EINVAL, PATHMATCH_PATH_MAX - 1, "long" },
	};
	return cr_make_param_array(struct validate_case, cases, ARRAY_SIZE(cases));
}

ParameterizedTest(struct validate_case *c, pathmatch_validate, table)
{
	static char big[PATHMATCH_PATH_MAX];
	size_t off = 12345;
	const char *reason = NULL;
	const char *glob = c->glob;
	size_t len = c->len < 0 ? strlen(c->glob) : (size_t)c->len;
	int r;

	if (len >= PATHMATCH_PATH_MAX) {
		memset(big, 'x', sizeof(big));
		glob = big;
	}
	r = pathmatch_glob_validate(glob, len, &off, &reason);
	cr_assert_eq(r, c->ret, "%s: returned %d, want %d", c->name, r, c->ret);
	if (r == 0)
		return;
	cr_assert_eq(off, c->offset, "%s: offset %zu, want %zu", c->name, off, c->offset);
	cr_assert(reason && strstr(reason, c->reason), "%s: reason \"%s\" lacks \"%s\"", c->name,
		  reason ? reason : "(null)", c->reason);
}

/* ---- classification --------------------------------------------------- */

struct classify_case {
	char name[STR_MAX];
	char pattern[STR_MAX];
	int ret;
	int anchor;
	char glob[STR_MAX];
	bool dir_only;
	bool literal;
	char reason[STR_MAX]; /* substring, on error */
};

#define OK(n, p, a, g, d, l)                        \
	{                                           \
		n, p, 0, PATHMATCH_##a, g, d, l, "" \
	}
#define BAD(n, p, why)                                  \
	{                                               \
		n, p, -EINVAL, 0, "", false, false, why \
	}

ParameterizedTestParameters(pathmatch_classify, table)
{
	static struct classify_case cases[] = {
		OK("home itself", "~", HOME, "", false, true),
		OK("home dir", "~/", HOME, "", true, true),
		OK("home dir rule", "~/.ssh/", HOME, ".ssh", true, true),
		OK("home file", "~/.kube/config", HOME, ".kube/config", false, true),
		OK("home glob", "~/.aws/*", HOME, ".aws/*", false, false),
		OK("absolute", "/etc/shadow", ABSOLUTE, "/etc/shadow", false, true),
		OK("absolute glob", "/etc/*.conf", ABSOLUTE, "/etc/*.conf", false, false),
		OK("absolute dir", "/var/lib/secret//", ABSOLUTE, "/var/lib/secret", true, true),
		OK("basename", ".env", BASENAME, ".env", false, true),
		OK("basename glob", "*.pem", BASENAME, "*.pem", false, false),
		OK("basename dir", "secrets/", BASENAME, "secrets", true, true),
		OK("dotdot prefix is a name", "..foo", BASENAME, "..foo", false, true),
		OK("escaped is not literal", "a\\b", BASENAME, "a\\b", false, false),
		OK("root", "config/*.key", ROOT, "config/*.key", false, false),
		OK("root globstar", "**/x/*.key", ROOT, "**/x/*.key", false, false),
		OK("dot-slash", "./x", ROOT, "x", false, true),
		OK("dot-slash .env", "./.env", ROOT, ".env", false, true),
		OK("dot-slash dir", "./build/", ROOT, "build", true, true),
		BAD("empty", "", "empty"),
		BAD("root slash", "/", "whole file system"),
		BAD("only slashes", "///", "whole file system"),
		BAD("~user", "~alice/.ssh", "~user"),
		BAD("~user alone", "~alice", "~user"),
		BAD("dotdot", "a/../b", "'..'"),
		BAD("leading dotdot", "../x", "'..'"),
		BAD("dot-slash dotdot", "./../x", "'..'"),
		BAD("double dot-slash", "././x", "'.'"),
		BAD("absolute dot", "/etc/./x", "'.'"),
		BAD("home dotdot", "~/../x", "'..'"),
		BAD("dot", ".", "'.'"),
		BAD("dot-slash alone", "./", "'.'"),
		BAD("trailing dotdot", "a/..", "'..'"),
		BAD("double slash", "a//b", "//"),
		BAD("home double slash", "~//x", "//"),
		BAD("bad class", "a[b", "unterminated"),
		BAD("trailing backslash", "a\\", "trailing"),
		BAD("too many stars", "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*", "too many"),
	};
	return cr_make_param_array(struct classify_case, cases, ARRAY_SIZE(cases));
}

ParameterizedTest(struct classify_case *c, pathmatch_classify, table)
{
	struct pathmatch_rule rule;
	const char *reason = NULL;
	int r;

	memset(&rule, 0xa5, sizeof(rule));
	r = pathmatch_classify(c->pattern, &rule, &reason);
	cr_assert_eq(r, c->ret, "%s: returned %d, want %d (reason %s)", c->name, r, c->ret,
		     reason ? reason : "-");
	if (r < 0) {
		cr_assert(reason && strstr(reason, c->reason), "%s: reason \"%s\" lacks \"%s\"",
			  c->name, reason ? reason : "(null)", c->reason);
		cr_assert_eq(rule.anchor, 0xa5, "%s: ret written on failure", c->name);
		return;
	}
	cr_assert_eq(rule.anchor, c->anchor, "%s: anchor %d, want %d", c->name, rule.anchor,
		     c->anchor);
	cr_assert_eq(rule.glob_len, strlen(c->glob), "%s: glob \"%.*s\", want \"%s\"", c->name,
		     (int)rule.glob_len, rule.glob, c->glob);
	cr_assert(memcmp(rule.glob, c->glob, rule.glob_len) == 0, "%s: glob \"%.*s\", want \"%s\"",
		  c->name, (int)rule.glob_len, rule.glob, c->glob);
	cr_assert(rule.glob >= c->pattern && rule.glob <= c->pattern + strlen(c->pattern),
		  "%s: glob must point into the pattern", c->name);
	cr_assert_eq(rule.dir_only, c->dir_only, "%s: dir_only %d", c->name, rule.dir_only);
	cr_assert_eq(rule.literal, c->literal, "%s: literal %d", c->name, rule.literal);
}

/* ---- rule matching ---------------------------------------------------- */

struct rule_case {
	char name[STR_MAX];
	char pattern[STR_MAX];
	char path[STR_MAX];
	bool is_dir;
	bool match;
	char root[STR_MAX]; /* "": /home/u/proj */
};

#define YES(n, p, path, d)              \
	{                               \
		n, p, path, d, true, "" \
	}
#define NO(n, p, path, d)                \
	{                                \
		n, p, path, d, false, "" \
	}

ParameterizedTestParameters(pathmatch_rule, table)
{
	static struct rule_case cases[] = {
		YES(".env at root", ".env", "/home/u/proj/.env", false),
		YES(".env deep", ".env", "/home/u/proj/sub/dir/.env", false),
		YES(".env as an ancestor dir", ".env", "/home/u/proj/.env/x", false),
		NO(".env outside root", ".env", "/home/u/.env", false),
		NO(".env is not .envrc", ".env", "/home/u/proj/.envrc", false),
		NO(".env not in a sibling root", ".env", "/home/u/projx/.env", false),
		NO("relative rule never hides root", "*", "/home/u/proj", true),
		YES("star below root", "*", "/home/u/proj/x", false),
		YES("*.pem in project", "*.pem", "/home/u/proj/a/b.pem", false),
		NO("*.pem spares system certs", "*.pem", "/etc/ssl/certs/x.pem", false),
		NO("*.pem suffix only", "*.pem", "/home/u/proj/a/b.pem.txt", false),
		YES("secrets/ contents", "secrets/", "/home/u/proj/secrets/a", false),
		YES("secrets/ the dir", "secrets/", "/home/u/proj/secrets", true),
		NO("secrets/ not a file", "secrets/", "/home/u/proj/secrets", false),
		YES("secrets/ at depth", "secrets/", "/home/u/proj/x/secrets/y", false),
		YES("~/.ssh/ contents", "~/.ssh/", "/home/u/.ssh/id_rsa", false),
		YES("~/.ssh/ the dir", "~/.ssh/", "/home/u/.ssh", true),
		NO("~/.ssh/ not a file", "~/.ssh/", "/home/u/.ssh", false),
		NO("~/.ssh/ boundary", "~/.ssh/", "/home/u/.sshx", false),
		NO("~/.ssh/ other home", "~/.ssh/", "/home/u2/.ssh/id_rsa", false),
		YES("absolute literal", "/etc/shadow", "/etc/shadow", false),
		NO("absolute literal boundary", "/etc/shadow", "/etc/shadow-", false),
		NO("absolute literal parent", "/etc/shadow", "/etc", true),
		YES("absolute literal below", "/etc/shadow", "/etc/shadow/x", false),
		YES("absolute glob ancestor", "/etc/*.conf", "/etc/x.conf/sub", false),
		YES("absolute glob", "/etc/*.conf", "/etc/x.conf", false),
		NO("absolute glob one level", "/etc/*.conf", "/etc/sub/x.conf", false),
		YES("absolute star hides below", "/home/u/proj/*", "/home/u/proj/a/b", false),
		YES("root anchored", "config/*.key", "/home/u/proj/config/a.key", false),
		NO("root anchored not deeper", "config/*.key", "/home/u/proj/sub/config/a.key",
		   false),
		NO("root anchored outside", "config/*.key", "/home/u/config/a.key", false),
		YES("globstar zero", "**/x/*.key", "/home/u/proj/x/a.key", false),
		YES("globstar deep", "**/x/*.key", "/home/u/proj/a/b/x/c.key", false),
		NO("globstar star one level", "**/x/*.key", "/home/u/proj/a/x/sub/c.ke", false),
		NO("globstar outside root", "**/x/*.key", "/home/u/x/c.key", false),
		YES("home file", "~/.kube/config", "/home/u/.kube/config", false),
		NO("home file suffix", "~/.kube/config", "/home/u/.kube/config.bak", false),
		NO("home file not in project", "~/.kube/config", "/home/u/proj/.kube/config",
		   false),
		YES("~ is home", "~", "/home/u", true),
		YES("~ covers project", "~", "/home/u/proj/main.c", false),
		NO("~ boundary", "~", "/home/uu", true),
		NO("~ not outside", "~", "/etc/passwd", false),
		YES("~/ is home dir", "~/", "/home/u", true),
		NO("~/* not home itself", "~/*", "/home/u", true),
		YES("~/* below", "~/*", "/home/u/.bashrc", false),
		YES("./build contents", "./build", "/home/u/proj/build/x", false),
		NO("./build anchored", "./build", "/home/u/proj/a/build", false),
		NO("build/** not the dir", "build/**", "/home/u/proj/build", true),
		YES("build/** contents", "build/**", "/home/u/proj/build/a/b", false),
		NO("a/b/ not a file", "a/b/", "/home/u/proj/a/b", false),
		YES("a/b/ dir", "a/b/", "/home/u/proj/a/b", true),
		YES("a/b/ below", "a/b/", "/home/u/proj/a/b/c", false),
		YES("glob dir_only on ancestor", "s*/", "/home/u/proj/sec/f", false),
		NO("glob dir_only on file", "s*/", "/home/u/proj/sec", false),
		NO("root glob dir_only on file", "a/b*/", "/home/u/proj/a/bc", false),
		YES("root glob dir_only on dir", "a/b*/", "/home/u/proj/a/bc", true),
		YES("root glob dir_only ancestor", "a/b*/", "/home/u/proj/a/bc/d", false),
		NO("absolute glob dir_only on file", "/srv/*/", "/srv/f", false),
		YES("absolute glob dir_only below", "/srv/*/", "/srv/d/f", false),
		{ "root / basename", ".env", "/.env", false, true, "/" },
		{ "root / deep", ".env", "/srv/app/.env", false, true, "/" },
		{ "root / never itself", "*", "/", true, false, "/" },
		{ "root / anchored", "etc/shadow", "/etc/shadow", false, true, "/" },
		{ "root / anchored glob", "etc/*", "/etc/passwd", false, true, "/" },
	};
	return cr_make_param_array(struct rule_case, cases, ARRAY_SIZE(cases));
}

ParameterizedTest(struct rule_case *c, pathmatch_rule, table)
{
	const char *root = c->root[0] ? c->root : "/home/u/proj";
	struct pathmatch_env env = { "/home/u", 7, root, strlen(root) };
	struct pathmatch_rule rule;
	const char *reason = NULL;
	bool m;

	cr_assert_eq(pathmatch_classify(c->pattern, &rule, &reason), 0, "%s: classify: %s", c->name,
		     reason ? reason : "-");
	m = pathmatch_rule_matches(&rule, &env, c->path, strlen(c->path), c->is_dir);
	cr_assert_eq(m, c->match, "%s: \"%s\" vs %s%s gave %d, want %d", c->name, c->pattern,
		     c->path, c->is_dir ? " (dir)" : "", m, c->match);
}

Test(pathmatch_rule, length_delimited_path)
{
	struct pathmatch_env env = { "/home/u", 7, "/home/u/proj", 12 };
	struct pathmatch_rule lit, glob;
	const char *path = "/home/u/proj/.envXYZ";

	cr_assert_eq(pathmatch_classify(".env", &lit, NULL), 0);
	cr_assert_eq(pathmatch_classify(".e?v", &glob, NULL), 0);
	cr_assert(pathmatch_rule_matches(&lit, &env, path, 17, false), "literal, cut path");
	cr_assert(pathmatch_rule_matches(&glob, &env, path, 17, false), "glob, cut path");
	cr_assert_not(pathmatch_rule_matches(&lit, &env, path, 20, false), "literal, full path");
}

Test(pathmatch_rule, normalise_then_match)
{
	/* The caller's job, shown end to end: "sub/../.env" must not slip past ".env". */
	struct pathmatch_env env = { "/home/u", 7, "/home/u/proj", 12 };
	struct pathmatch_rule rule;
	char path[PATHMATCH_PATH_MAX];
	int n;

	cr_assert_eq(pathmatch_classify("./.env", &rule, NULL), 0);
	n = pathmatch_join_normalize("/home/u/proj", "sub/..//./.env", path, sizeof(path));
	cr_assert_gt(n, 0);
	cr_assert(pathmatch_rule_matches(&rule, &env, path, (size_t)n, false), "%s", path);
}

/* ---- locale independence ---------------------------------------------- */

static unsigned int locale_sample(void)
{
	static const struct glob_case probes[] = {
		{ "utf-8 literal", "caf\xc3\xa9.txt", "caf\xc3\xa9.txt", true },
		{ "high range", "[\xc0-\xdf]*", "\xc3\xa9", true },
		{ "high range miss", "[\xc0-\xdf]*", "e\xcc\x81", false },
		{ "ascii range excludes case", "[a-z]", "B", false },
		{ "negated high", "[!\x80-\xff]", "\xe9", false },
		{ "question is one byte", "caf?", "caf\xc3\xa9", false },
		{ "two questions", "caf??", "caf\xc3\xa9", true },
	};
	unsigned int bits = 0;

	for (size_t i = 0; i < ARRAY_SIZE(probes); i++) {
		bool m = pathmatch_glob(probes[i].glob, strlen(probes[i].glob), probes[i].text,
					strlen(probes[i].text));

		cr_expect_eq(m, probes[i].match, "%s under %s", probes[i].name,
			     setlocale(LC_ALL, NULL));
		bits |= (unsigned int)m << i;
	}
	return bits;
}

Test(pathmatch_locale, same_result_in_c_and_utf8)
{
	unsigned int in_c, in_utf8;

	cr_assert_not_null(setlocale(LC_ALL, "C"));
	in_c = locale_sample();
	if (!setlocale(LC_ALL, "C.UTF-8"))
		cr_skip_test("the C.UTF-8 locale is not installed");
	in_utf8 = locale_sample();
	setlocale(LC_ALL, "C");
	cr_assert_eq(in_c, in_utf8, "results differ: C %#x, C.UTF-8 %#x", in_c, in_utf8);
}
