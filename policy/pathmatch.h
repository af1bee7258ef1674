/* SPDX-License-Identifier: MIT */
/*
 * pathmatch.h — path normalisation and deny_read / allow_write pattern
 * matching. Pure, locale-independent, never allocates: the shim runs it on
 * every open() and glibc's fnmatch() under a UTF-8 locale is several times
 * slower (and its result would depend on the caller's locale).
 *
 * Pattern semantics (docs/configuration.md has the table):
 *   "~" or "~/x"   anchored at the user's home directory
 *   "/x"           absolute
 *   "a/b", "./a"   contains a slash (not only a trailing one): anchored at the
 *                  project root
 *   "x"            no slash: a base name at any depth below the project root
 *   trailing "/"   the match must be a directory (and so covers all below it)
 * A pattern that matches a path also matches everything below it (as in
 * gitignore: hiding a directory hides its contents). Relative patterns never
 * apply outside the project root, so "*.pem" cannot hide /etc/ssl/certs.
 *
 * Glob syntax, byte-based: '*' any run of bytes except '/', '?' one byte
 * except '/', '[...]' a class ('!' or '^' negates, 'a-z' ranges, a leading ']'
 * is literal), '**' as a whole path component matches zero or more
 * components, '\' escapes the next byte.
 */
#ifndef AIGATE_PATHMATCH_H
#define AIGATE_PATHMATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest path or pattern handled; longer ones are an error, never truncated. */
#define PATHMATCH_PATH_MAX 4096
/* Most '*' a pattern may contain: bounds the matcher's backtracking. */
#define PATHMATCH_MAX_STARS 16

enum pathmatch_anchor {
	PATHMATCH_ABSOLUTE = 0, /* glob is matched against the whole path */
	PATHMATCH_HOME = 1,	/* glob is matched below the home directory */
	PATHMATCH_ROOT = 2,	/* glob is matched below the project root */
	PATHMATCH_BASENAME = 3, /* glob is matched against each component below the root */
};

/* A classified pattern. Pointers refer into the caller's buffers. */
struct pathmatch_rule {
	const char *glob; /* pattern body: no "~/", no leading "./", no trailing '/' */
	uint32_t glob_len;
	uint8_t anchor; /* enum pathmatch_anchor */
	bool dir_only;	/* pattern ended in '/' */
	bool literal;	/* glob has no metacharacter: compared with memcmp */
};

/* Where HOME and project-root anchored rules are rooted. Both absolute and normalised. */
struct pathmatch_env {
	const char *home;
	size_t home_len;
	const char *root;
	size_t root_len;
};

/**
 * pathmatch_normalize() - lexically normalise an absolute path.
 * Collapses repeated '/', drops "." components and trailing '/', resolves
 * ".." textually (never above "/"). Does not touch the file system.
 * @in: absolute path. @out: buffer of @outsz bytes (may not alias @in).
 * Returns the length written (without NUL), -EINVAL if @in is not absolute,
 * -ENAMETOOLONG if it does not fit.
 */
int pathmatch_normalize(const char *in, char *out, size_t outsz);

/**
 * pathmatch_join_normalize() - normalise @rel relative to the absolute
 * directory @base (ignored when @rel is absolute). Same returns as
 * pathmatch_normalize().
 */
int pathmatch_join_normalize(const char *base, const char *rel, char *out, size_t outsz);

/**
 * pathmatch_glob_validate() - check glob syntax: no unterminated '[', no
 * trailing '\', no NUL, at most PATHMATCH_MAX_STARS stars, length below
 * PATHMATCH_PATH_MAX. Returns 0 or -EINVAL with *@ret_offset set to the
 * offending byte and *@ret_reason to a static description.
 */
int pathmatch_glob_validate(const char *glob, size_t len, size_t *ret_offset,
			    const char **ret_reason);

/**
 * pathmatch_glob() - match @text (length @text_len) against @glob (length
 * @glob_len) with the syntax above. '/' is only matched by a literal '/' or
 * by '**'. Returns true on a match.
 */
bool pathmatch_glob(const char *glob, size_t glob_len, const char *text, size_t text_len);

/**
 * pathmatch_below() - is @path (@len bytes, normalized) equal to or below
 * the directory @base (@base_len bytes, absolute)? A component boundary is
 * required ("/home/alice" is not above "/home/alice2"). On success
 * *@ret_off is where the part below @base starts (@len for @base itself).
 */
bool pathmatch_below(const char *path, size_t len, const char *base, size_t base_len,
		     size_t *ret_off);

/**
 * pathmatch_classify() - turn a policy pattern into a rule. The rule's glob
 * points into @pattern. Returns 0, or -EINVAL (empty, "~user" forms, "..",
 * bad glob: *@ret_reason describes it).
 */
int pathmatch_classify(const char *pattern, struct pathmatch_rule *ret, const char **ret_reason);

/**
 * pathmatch_rule_matches() - does the rule match @path or one of its
 * ancestors? @path must be absolute and normalised (pathmatch_normalize()).
 * @is_dir says whether @path itself is a directory (matters for dir_only
 * rules; ancestors always are). Relative (ROOT, BASENAME) rules only match
 * paths strictly below env->root.
 */
bool pathmatch_rule_matches(const struct pathmatch_rule *rule, const struct pathmatch_env *env,
			    const char *path, size_t path_len, bool is_dir);

#endif
