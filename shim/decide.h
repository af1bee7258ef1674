/* SPDX-License-Identifier: MIT */
/*
 * decide.h — the shim's verdicts, straight from the compiled policy blob.
 * Pure: no allocation (argvmatch scratch on the stack), no locale, no I/O;
 * safe between fork and exec, in vfork children and signal handlers.
 */
#ifndef AIGATE_SHIM_DECIDE_H
#define AIGATE_SHIM_DECIDE_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/blob.h"

/* argv words copied to judge argv[0] replaced by the path; longer argvs are judged as given. */
#define SHIM_DECIDE_ARGV0_MAX 256

/**
 * shim_decide_exec() - the index of the deny_exec rule that running @path
 * (may be NULL) with @argv (may be NULL or empty) breaks, or -1. @argv is
 * judged as given, then with argv[0] replaced by @path when they differ:
 * `execve("/usr/bin/kubectl", {"k", "delete", …})` runs `kubectl delete`.
 * Names are matched by base name, so a bare name (execvp) needs no PATH
 * walk. @envp (may be NULL) is the new program's environment: git alias
 * definitions there (GIT_CONFIG_*) count. *@ret_inv is the matching
 * invocation (its strings point into @argv, @path or @scratch, which must
 * outlive it).
 */
int shim_decide_exec(const struct policy_blob *b, const char *path, char *const argv[],
		     char *const envp[], struct argvmatch_scratch *scratch,
		     struct argvmatch_invocation *ret_inv);

/* deny_read rules that get a precomputed hint; later ones are always tried. */
#define SHIM_DECIDE_HINT_MAX 256
/* Components below the project root that BASENAME hints are checked against. */
#define SHIM_DECIDE_COMPONENTS_MAX 64

/*
 * What a deny_read rule's pattern says about any path it can match, so
 * that the allow path can skip it without running the matcher: a glob is
 * matched from its start to its end, so the bytes before its first
 * metacharacter begin the text it matches and (for a BASENAME rule, whose
 * text is one whole component) the bytes after its last one end it. Only
 * necessary conditions: a rule that passes is still judged by
 * pathmatch_rule_matches().
 */
struct shim_decide_hint {
	const char *prefix; /* into the blob */
	const char *suffix;
	uint16_t prefix_len;
	uint16_t suffix_len;
	uint8_t anchor; /* enum pathmatch_anchor */
	bool literal;
};

/* The hints of one blob's deny_read list. Pointers into the blob. */
struct shim_decide_filter {
	uint32_t nhints; /* hints for rules 0 … nhints-1 */
	struct shim_decide_hint hint[SHIM_DECIDE_HINT_MAX];
};

/**
 * shim_decide_filter_build() - fill @f with the hints of @b's deny_read
 * rules (pure; @f must not outlive the blob's memory).
 */
void shim_decide_filter_build(const struct policy_blob *b, struct shim_decide_filter *f);

/**
 * shim_decide_open_filtered() - shim_decide_open() with @f (built from @b,
 * may be NULL: no hints). The same answers, faster: a path that is already
 * normal is not copied, the home and root prefixes are compared once, and
 * rules whose hint rules the path out are skipped.
 */
int shim_decide_open_filtered(const struct policy_blob *b, const struct shim_decide_filter *f,
			      const char *abs_path, bool is_dir);

/**
 * shim_decide_open() - the index of the deny_read rule matching @abs_path
 * (absolute, not necessarily normalised), or -1. @is_dir: the path is known
 * to be a directory (O_DIRECTORY). A path the matcher cannot normalise
 * (longer than PATHMATCH_PATH_MAX) is allowed: the kernel refuses it anyway
 * and the supervisor judges every open.
 */
int shim_decide_open(const struct policy_blob *b, const char *abs_path, bool is_dir);

#endif
