/* SPDX-License-Identifier: MIT */
/*
 * seatbelt.h — the macOS Seatbelt profile (SBPL, for sandbox-exec(1) or
 * sandbox_init_with_parameters()) that enforces a compiled policy blob as
 * far as Seatbelt can. Platform-independent text generation: it runs and is
 * tested on Linux, and `aigate policy seatbelt` prints it for review.
 * docs/macos.md maps every policy field and says what Seatbelt cannot do.
 *
 * Every path and regex goes into an SBPL string literal escaped (`"` and
 * `\`), so a file name cannot end the string and add rules of its own; a
 * control byte, which SBPL strings cannot carry safely, is refused. Glob
 * patterns become POSIX extended regexes (seatbelt_glob_regex()). Library
 * rules: nothing is printed; 0 or -errno; out-parameters written only on
 * success.
 */
#ifndef AIGATE_SEATBELT_H
#define AIGATE_SEATBELT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "policy/blob.h"

/*
 * Longest SBPL string literal written, in bytes between the quotes.
 * sandbox-exec refuses a string of more than about 1,024 bytes ("Error
 * reading string", reported by Anthropic's sandbox-runtime) and one bad
 * string invalidates the whole profile, so a longer one is an error here.
 */
#define SEATBELT_STRING_MAX 1000
/* Largest profile generated (4,096 rules of a few strings each fit easily). */
#define SEATBELT_PROFILE_MAX (16u << 20)

/*
 * The volumes are case-sensitive: match paths byte for byte. Without it
 * (the default, as APFS and HFS+ are formatted by default) every letter of
 * a deny regex matches either case: `cat .ENV` opens .env there, and which
 * spelling Seatbelt sees is not documented.
 */
#define SEATBELT_F_CASE_SENSITIVE (1u << 0)
/*
 * Deny the whole command of a subcommand rule ("kubectl delete" denies
 * kubectl): Seatbelt sees no argv, so without it such rules are left to the
 * shim, which SIP-protected programs do not load (docs/macos.md).
 */
#define SEATBELT_F_STRICT_SUBCOMMANDS (1u << 1)

struct seatbelt_options {
	const char *home; /* absolute; on macOS the canonical (realpath) home */
	const char *root; /* absolute; the canonical project root */
	/* aigate's own directory (policy, audit log), hidden; NULL: HOME/.aigate */
	const char *aigate_dir;
	/* The egress proxy's loopback ports; 0: (param "AIGATE_HTTP_PROXY_PORT") etc. */
	uint16_t http_proxy_port;
	uint16_t socks_proxy_port;
	uint32_t flags; /* SEATBELT_F_* */
};

/* What could not be expressed, for the caller to print once. */
struct seatbelt_diag {
	char msg[1024]; /* `deny_read "x" (file:line): why`, or which path */
};

/**
 * seatbelt_generate() - the profile for policy @b under @o, as a malloc'd,
 * NUL-terminated string in *@ret_text (free() it) of *@ret_len bytes.
 * Returns 0, or -EINVAL (a relative home or root, a rule or path holding a
 * control byte), -ENAMETOOLONG (a string over SEATBELT_STRING_MAX), -E2BIG
 * (over SEATBELT_PROFILE_MAX), -ENOMEM. On -EINVAL and -ENAMETOOLONG
 * @ret_diag (may be NULL) names the rule or path. Nothing is half-written:
 * a profile is all or nothing.
 */
int seatbelt_generate(const struct policy_blob *b, const struct seatbelt_options *o,
		      char **ret_text, size_t *ret_len, struct seatbelt_diag *ret_diag);

/**
 * seatbelt_write() - seatbelt_generate() into @out. Returns 0, its errors,
 * or -EIO when @out cannot take it all.
 */
int seatbelt_write(FILE *out, const struct policy_blob *b, const struct seatbelt_options *o,
		   struct seatbelt_diag *ret_diag);

/**
 * seatbelt_format() - seatbelt_generate() into @buf (@bufsz bytes,
 * NUL-terminated). Returns the length, its errors, or -ENOBUFS when it does
 * not fit (@buf is then left as it was).
 */
int seatbelt_format(char *buf, size_t bufsz, const struct policy_blob *b,
		    const struct seatbelt_options *o, struct seatbelt_diag *ret_diag);

/**
 * seatbelt_glob_regex() - translate the glob body @glob (@len bytes,
 * pathmatch.h syntax, validated) into an unanchored POSIX extended regex
 * fragment in @buf (@bufsz bytes, NUL-terminated):
 *   a star (or two inside a component)   [^/]*
 *   two stars as a whole component and   an optional group of any bytes
 *   the slash after them                 ending in a slash: zero or more
 *                                        components
 *   two stars as the last component      .*: what is inside, not the dir
 *   `?`                                  [^/]
 *   `[a-c]`, `[!x]`, `[^x]`              a bracket expression of the same
 *                                        bytes, never `/`; a class holding
 *                                        non-ASCII or control bytes becomes
 *                                        a wider negated class (denies more)
 *   `\c`, and c in `.[()*+?{}|$`         c literal: `[.]`, `\^`, `\\`, `[]]`
 * With @fold every ASCII letter matches both cases (`[eE]`). Returns the
 * length, -EINVAL (an invalid glob), -ENAMETOOLONG (it does not fit).
 */
int seatbelt_glob_regex(const char *glob, size_t len, bool fold, char *buf, size_t bufsz);

/**
 * seatbelt_rule_regex() - the regex, anchored at the start only, that path
 * rule @r matches itself with @home and @root (normalised absolute paths):
 * "^HOME/GLOB", "^ROOT/GLOB", "^GLOB" (absolute), or for a name at any
 * depth "^ROOT/" then the optional group of components, then "NAME". The
 * profile appends "(/.*)?$" (the match and all below it), or "/" and "$"
 * with (vnode-type DIRECTORY) for a dir-only rule.
 * Returns the length, -EINVAL, -ENAMETOOLONG.
 */
int seatbelt_rule_regex(const struct pathmatch_rule *r, const char *home, const char *root,
			bool fold, char *buf, size_t bufsz);

#endif
